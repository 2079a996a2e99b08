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
    private static readonly Lazy<System.Collections.Concurrent.BlockingCollection<StartRequest>> Spawner = new(() =>
    {
        var requests = new System.Collections.Concurrent.BlockingCollection<StartRequest>();
        var thread = new Thread(() =>
        {
            foreach (StartRequest request in requests.GetConsumingEnumerable())
            {
                try
                {
                    lock (Gate)
                    {
                        request.Process = Process.Start(request.StartInfo) ?? throw new InvalidOperationException($"Could not start {request.StartInfo.FileName}.");
                        Started.Add(request.Process.Id);
                    }
                }
                catch (Exception ex)
                {
                    request.Error = ex;
                }
                finally
                {
                    request.Done.Set();
                }
            }
        })
        {
            IsBackground = true,
            Name = "sandbox process starter",
        };
        thread.Start();
        return requests;
    });

    // Enables subreaping once per process; false if the kernel refused.
    public static bool EnsureSubreaper()
    {
        lock (Gate)
        {
            s_subreaper = s_subreaper || NativeMethods.SetChildSubreaper();
            return s_subreaper;
        }
    }

    // Starts a process and records its pid before any reaping can see it exit. Every start happens on one
    // dedicated thread that lives as long as this process: Linux delivers a parent-death signal
    // (PR_SET_PDEATHSIG, which bwrap's --die-with-parent sets to SIGKILL) when the *thread* that forked the
    // child exits, and .NET forks on the calling thread; started from a thread-pool thread, a long sample was
    // SIGKILLed (exit 137, no out-of-memory record) whenever the pool retired that thread mid-run.
    public static Process Start(ProcessStartInfo startInfo)
    {
        using var request = new StartRequest(startInfo);
        Spawner.Value.Add(request);
        request.Done.Wait();
        if (request.Error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(request.Error);
        }

        return request.Process!;
    }

    private sealed class StartRequest(ProcessStartInfo startInfo) : IDisposable
    {
        public ProcessStartInfo StartInfo { get; } = startInfo;

        public ManualResetEventSlim Done { get; } = new();

        public Process? Process { get; set; }

        public Exception? Error { get; set; }

        public void Dispose() => Done.Dispose();
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
