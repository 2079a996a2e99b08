using TorchSharp;

namespace CodeGen.Model;

/// <summary>Facts about the loaded TorchSharp native runtime.</summary>
public static class TorchInfo
{
    /// <summary>The libtorch version string, e.g. "2.10.0+cpu". Loading it initialises the native library.</summary>
    public static string LibTorchVersion => torch.__version__;
}
