using static TorchSharp.torch;

namespace CodeGen.Server.Engine;

/// <summary>Finds the model directory and parses device and dtype options.</summary>
internal static class ModelLocator
{
    /// <summary>The bundled model, relative to the repository root or the executable.</summary>
    public const string BundledModelPath = "models/codegen-tiny";

    /// <summary>The given directory, or the bundled model when none is given.</summary>
    /// <exception cref="ArgumentException">No directory given and no bundled model found.</exception>
    public static string Resolve(string? model)
    {
        if (!string.IsNullOrEmpty(model)) return model;
        foreach (string root in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(root); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, BundledModelPath);
                if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
            }
        }
        throw new ArgumentException($"No --model given and no bundled model found at {BundledModelPath}; pass --model DIR (a Hugging Face model directory)");
    }

    /// <summary>Parses --device (cpu or cuda[:N]).</summary>
    /// <exception cref="ArgumentException">Unknown device, or CUDA requested where it is not available.</exception>
    public static Device ParseDevice(string name)
    {
        string lower = name.ToLowerInvariant();
        if (lower == "cpu") return CPU;
        if (lower == "cuda" || lower.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"--device {name}: CUDA is not available (this build uses TorchSharp's CPU libtorch; build with -p:TorchBackend=cuda on a GPU machine)");
            return new Device(lower);
        }
        throw new ArgumentException($"--device must be cpu or cuda, got '{name}'");
    }
}
