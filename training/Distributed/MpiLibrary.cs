using System.Reflection;
using System.Runtime.InteropServices;

namespace CodeGen.Training.Distributed;

/// <summary>
/// Points MPI.NET at MPICH. MPI.NET 1.4.0 ships no native code and imports <c>msmpi.dll</c> with Microsoft MPI's
/// integer handles and constants; MPICH uses the same handles and constants (MPI_COMM_WORLD 0x44000000, MPI_FLOAT
/// 0x4c00040a, MPI_SUM 0x58000003, ...), so resolving that import to <c>libmpich.so.12</c> is all it takes. Open MPI's
/// handles are pointers: MPI.NET cannot run on it.
/// </summary>
internal static class MpiLibrary
{
    /// <summary>The MPICH shared library (Debian's libmpich12, pulled in by the mpich package).</summary>
    public const string FileName = "libmpich.so.12";

    /// <summary>MPICH's (and Microsoft MPI's) MPI_IN_PLACE: the address -1.</summary>
    public static readonly IntPtr InPlace = new(-1);

    private static readonly Lock Gate = new();
    private static IntPtr _handle;

    /// <summary>Loads libmpich and routes MPI.NET's imports to it; false when the library is not installed.</summary>
    public static bool TryLoad(string fileName = FileName)
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return true;
            if (!NativeLibrary.TryLoad(fileName, out IntPtr handle)) return false;
            NativeLibrary.SetDllImportResolver(typeof(MPI.Environment).Assembly, Resolve);
            _handle = handle;
            return true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase) ? _handle : IntPtr.Zero;

    /// <summary>
    /// Ends this process at once with <paramref name="exitCode"/>, running no finalizers or exit handlers (MPI's
    /// would wait for ranks that will never answer). The launcher sees a rank fail and ends the job's other ranks.
    /// </summary>
    public static void Exit(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        ExitNow(exitCode);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void ExitNow(int status);
}
