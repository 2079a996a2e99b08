using System.Runtime.InteropServices;
using LLama.Native;

namespace CodeGen.Server.Backends;

/// <summary>
/// Loads llama.cpp once per process. OpenMP reads <c>OMP_WAIT_POLICY</c> from the C environment when libgomp
/// initialises, which .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach, so it is
/// set with libc's setenv before the native library loads. PASSIVE (threads sleep between parallel regions instead
/// of spinning) is the default: on a machine shared with other work the spinning threads caused 300-450 ms stalls.
/// An OMP_WAIT_POLICY already in the environment is kept.
/// </summary>
internal static partial class LlamaNative
{
    private static readonly Lock Gate = new();
    private static bool _loaded;

    /// <summary>The wait policy given to OpenMP when the environment names none.</summary>
    public const string DefaultWaitPolicy = "PASSIVE";

    /// <summary>Prepares the environment and loads llama.cpp (idempotent; errors and warnings of llama.cpp go to <paramref name="log"/>).</summary>
    public static void EnsureLoaded(Action<string>? log = null)
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
            {
                if (setenv("OMP_WAIT_POLICY", DefaultWaitPolicy, 0) != 0) throw new InvalidOperationException("setenv(OMP_WAIT_POLICY) failed");
                Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", DefaultWaitPolicy);
            }
            if (!NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                NativeLibraryConfig.All.WithLogCallback((level, message) =>
                {
                    if (level is LLamaLogLevel.Error or LLamaLogLevel.Warning) log?.Invoke(message.TrimEnd());
                });
            }
            NativeApi.llama_empty_call(); // loads the library now, not inside the first request
            _loaded = true;
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
