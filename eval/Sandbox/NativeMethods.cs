using System.Runtime.InteropServices;

namespace CodeGen.Eval.Sandbox;

// The few libc calls the sandbox needs that .NET does not expose.
internal static class NativeMethods
{
    public const int SigKill = 9;
    public const int WNoHang = 1;
    private const int PrSetChildSubreaper = 36;

    // Makes this process adopt orphaned descendants (instead of init), so it can reap them.
    public static bool SetChildSubreaper() => prctl(PrSetChildSubreaper, 1, 0, 0, 0) == 0;

    public static int Kill(int pid, int signal) => kill(pid, signal);

    // Reaps one exited child without blocking; returns its pid, 0 if it has not exited, -1 on error.
    public static int WaitNoHang(int pid) => waitpid(pid, out _, WNoHang);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int waitpid(int pid, out int status, int options);
}
