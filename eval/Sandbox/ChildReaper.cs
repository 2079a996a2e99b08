using System.Diagnostics;
using System.Globalization;

namespace CodeGen.Eval.Sandbox;

// bwrap forks: the outer bwrap process (our child) exits as soon as it has the sandboxed program's status,
// leaving the inner one (pid 1 of the sandbox's pid namespace) to be reparented. Reparented to an init that
// does not reap (as in most containers), it stays a zombie owned by the slot's uid and counts against that
// uid's process limit: after ~60 fast runs every fork in the slot fails. So this process becomes a child
// subreaper (prctl PR_SET_CHILD_SUBREAPER), adopts those orphans and reaps them here.
//
// .NET reaps the children it started itself (System.Diagnostics.Process), so this class only reaps zombie
// children it did not start through Process: it tracks the pids the sandbox started, and reaps only zombies
// named "bwrap" that are not tracked.
internal static class ChildReaper
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Started = [];
    private static readonly Lazy<bool> PerThreadChildren = new(() => File.Exists($"/proc/self/task/{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}/children"));
    private static bool s_subreaper;

    // Enables subreaping once per process; false if the kernel refused.
    public static bool EnsureSubreaper()
    {
        lock (Gate)
        {
            s_subreaper = s_subreaper || NativeMethods.SetChildSubreaper();
            return s_subreaper;
        }
    }

    // Starts a process and records its pid before any reaping can see it exit.
    public static Process Start(ProcessStartInfo startInfo)
    {
        lock (Gate)
        {
            var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {startInfo.FileName}.");
            Started.Add(process.Id);
            return process;
        }
    }

    // Forgets a started process once .NET has reaped it.
    public static void Forget(int pid)
    {
        lock (Gate)
        {
            Started.Remove(pid);
        }
    }

    // Reaps every adopted bwrap zombie; returns how many.
    public static int ReapOrphans()
    {
        int reaped = 0;
        lock (Gate)
        {
            foreach (int pid in BwrapZombieChildren())
            {
                if (!Started.Contains(pid) && NativeMethods.WaitNoHang(pid) == pid)
                {
                    reaped++;
                }
            }
        }

        return reaped;
    }

    // Zombie children of this process named bwrap (for tests and diagnostics).
    public static int CountBwrapZombies() => BwrapZombieChildren().Count;

    // Our children are listed per thread in /proc/self/task/TID/children (adopted orphans go to one of our
    // threads); where the kernel lacks those files (CONFIG_PROC_CHILDREN), every /proc/PID is a candidate. Each
    // candidate's /proc/PID/stat is "pid (comm) state ppid ...", and comm may itself contain spaces or
    // parentheses, so it is parsed from the last ')'.
    private static List<int> BwrapZombieChildren()
    {
        int self = Environment.ProcessId;
        var pids = new List<int>();
        foreach (int pid in Candidates())
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            }
            catch (IOException)
            {
                continue; // The process ended while we listed.
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            int close = stat.LastIndexOf(')');
            if (close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z'
                || !stat.AsSpan(0, close).EndsWith("(bwrap", StringComparison.Ordinal))
            {
                continue;
            }

            string[] rest = stat[(close + 2)..].Split(' ', 3);
            if (rest.Length >= 2 && int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent) && parent == self)
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    private static IEnumerable<int> Candidates()
    {
        if (!PerThreadChildren.Value)
        {
            return Directory.EnumerateDirectories("/proc")
                .Select(dir => int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : 0)
                .Where(pid => pid > 0);
        }

        var children = new List<int>();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue; // The thread ended while we listed; its children went to another of ours.
            }

            foreach (string pid in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                {
                    children.Add(id);
                }
            }
        }

        return children;
    }
}
