using System.Globalization;

namespace CodeGen.Eval.Sandbox;

// The memory and pids cgroups of one sandbox slot, created under this process's own cgroups (so the host's
// limits on us still apply) and removed on Dispose. cgroup v1 (separate memory and pids hierarchies) and v2
// (one unified hierarchy, where the parent must delegate the controllers) are both handled. Create returns
// null when the host does not let us write them; the sandbox then relies on rlimits alone.
internal sealed class CgroupSlot : IDisposable
{
    private readonly string[] _directories;
    private readonly string _memoryLimitFile;
    private readonly string? _swapLimitFile;
    private readonly string _pidsLimitFile;
    private readonly string _eventsFile;
    private long _memoryBytes = -1;
    private int _pids = -1;

    private CgroupSlot(string[] directories, string memoryLimitFile, string? swapLimitFile, string pidsLimitFile, string eventsFile, string version)
    {
        _directories = directories;
        _memoryLimitFile = memoryLimitFile;
        _swapLimitFile = swapLimitFile;
        _pidsLimitFile = pidsLimitFile;
        _eventsFile = eventsFile;
        Version = version;
    }

    // "v1" or "v2".
    public string Version { get; }

    // The cgroup.procs files a process writes its pid to, to join this slot.
    public IEnumerable<string> ProcsFiles => _directories.Select(d => Path.Combine(d, "cgroup.procs"));

    // name: the slot's directory name, unique on the host (it includes our pid).
    public static CgroupSlot? TryCreate(string name)
    {
        Dictionary<string, string> own = OwnCgroups();
        return TryCreateV1(own, name) ?? TryCreateV2(own, name);
    }

    // Sets the limits for the next run (writes only what changed).
    public void Configure(long memoryBytes, int pids)
    {
        if (memoryBytes != _memoryBytes)
        {
            string value = memoryBytes.ToString(CultureInfo.InvariantCulture);
            if (_swapLimitFile is null)
            {
                File.WriteAllText(_memoryLimitFile, value);
            }
            else if (_memoryBytes >= 0 && memoryBytes > _memoryBytes)
            {
                // v1 requires memory.limit <= memsw.limit at every step: raise memsw first, lower it last. A new
                // cgroup starts unlimited, so its first limit is a lowering (memory first: writing memsw first
                // fails with EINVAL).
                File.WriteAllText(_swapLimitFile, value);
                File.WriteAllText(_memoryLimitFile, value);
            }
            else
            {
                File.WriteAllText(_memoryLimitFile, value);
                File.WriteAllText(_swapLimitFile, value);
            }

            _memoryBytes = memoryBytes;
        }

        if (pids != _pids)
        {
            File.WriteAllText(_pidsLimitFile, pids.ToString(CultureInfo.InvariantCulture));
            _pids = pids;
        }
    }

    // How many processes the memory controller has killed in this slot so far.
    public long OomKills()
    {
        try
        {
            foreach (string line in File.ReadLines(_eventsFile))
            {
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(9), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            return 0;
        }

        return 0;
    }

    // Pids still in the slot.
    public List<int> Members()
    {
        var pids = new List<int>();
        foreach (string procs in ProcsFiles)
        {
            try
            {
                foreach (string line in File.ReadLines(procs))
                {
                    if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !pids.Contains(pid))
                    {
                        pids.Add(pid);
                    }
                }
            }
            catch (IOException)
            {
                continue; // The directory is being removed.
            }
        }

        return pids;
    }

    // SIGKILLs everything in the slot until it is empty (or a second has passed); true when empty.
    public bool KillAll()
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(1);
        while (true)
        {
            List<int> members = Members();
            if (members.Count == 0)
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            foreach (int pid in members)
            {
                NativeMethods.Kill(pid, NativeMethods.SigKill);
            }

            ChildReaper.ReapOrphans();
            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        KillAll();
        foreach (string directory in _directories)
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                // A process still exiting keeps the directory busy; the kernel frees it with the last member.
            }
        }
    }

    // /proc/self/cgroup: "id:controllers:path"; v2 is "0::path".
    private static Dictionary<string, string> OwnCgroups()
    {
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines("/proc/self/cgroup"))
        {
            string[] parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            foreach (string controller in parts[1].Split(','))
            {
                own[controller] = parts[2];
            }
        }

        return own;
    }

    private static CgroupSlot? TryCreateV1(Dictionary<string, string> own, string name)
    {
        if (!own.TryGetValue("memory", out string? memoryPath) || !own.TryGetValue("pids", out string? pidsPath)
            || !File.Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes") && !Directory.Exists("/sys/fs/cgroup/memory"))
        {
            return null;
        }

        string memory = Path.Combine("/sys/fs/cgroup/memory" + memoryPath, name);
        string pids = Path.Combine("/sys/fs/cgroup/pids" + pidsPath, name);
        try
        {
            Directory.CreateDirectory(memory);
            Directory.CreateDirectory(pids);
            string swap = Path.Combine(memory, "memory.memsw.limit_in_bytes");
            var slot = new CgroupSlot(
                [memory, pids],
                Path.Combine(memory, "memory.limit_in_bytes"),
                File.Exists(swap) ? swap : null,
                Path.Combine(pids, "pids.max"),
                Path.Combine(memory, "memory.oom_control"),
                "v1");
            slot.Configure(new SandboxLimits().MemoryBytes, 64);
            return slot;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(memory);
            TryDelete(pids);
            return null;
        }
    }

    private static CgroupSlot? TryCreateV2(Dictionary<string, string> own, string name)
    {
        if (!own.TryGetValue("", out string? path))
        {
            return null;
        }

        string root = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
        string parent = root + path;
        string directory = Path.Combine(parent, name);
        try
        {
            string controllers = Path.Combine(parent, "cgroup.subtree_control");
            if (!File.ReadAllText(controllers).Contains("memory", StringComparison.Ordinal))
            {
                File.WriteAllText(controllers, "+memory +pids");
            }

            Directory.CreateDirectory(directory);
            if (!File.Exists(Path.Combine(directory, "memory.max")) || !File.Exists(Path.Combine(directory, "pids.max")))
            {
                TryDelete(directory);
                return null;
            }

            var slot = new CgroupSlot(
                [directory],
                Path.Combine(directory, "memory.max"),
                null,
                Path.Combine(directory, "pids.max"),
                Path.Combine(directory, "memory.events"),
                "v2");
            string swap = Path.Combine(directory, "memory.swap.max");
            if (File.Exists(swap))
            {
                File.WriteAllText(swap, "0");
            }

            slot.Configure(new SandboxLimits().MemoryBytes, 64);
            return slot;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(directory);
            return null;
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory);
            }
        }
        catch (IOException)
        {
            // Best effort on a failed setup; nothing ran in it.
        }
    }
}
