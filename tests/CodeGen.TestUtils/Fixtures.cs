namespace CodeGen.TestUtils;

/// <summary>Paths of the model fixtures copied next to the test assemblies.</summary>
public static class Fixtures
{
    /// <summary>Directory of the stories260K Llama fixture (config.json + model.safetensors).</summary>
    public static string Stories260K => Find("stories260K");

    /// <summary>Directory of the small BPE tokenizer trained by the project (tokenizer.json).</summary>
    public static string SmallTokenizer => Find("tokenizer-small");

    /// <summary>The repository's bundled model (models/codegen-tiny), found from the test assembly upwards.</summary>
    public static string BundledModel => FindAbove(Path.Combine("models", "codegen-tiny", "config.json")) is string config
        ? Path.GetDirectoryName(config)!
        : throw new DirectoryNotFoundException($"models/codegen-tiny not found above {AppContext.BaseDirectory}");

    /// <summary>The bundled model's draft (models/codegen-tiny-draft, distilled from it), found from the test assembly upwards.</summary>
    public static string BundledDraft => FindAbove(Path.Combine("models", "codegen-tiny-draft", "config.json")) is string config
        ? Path.GetDirectoryName(config)!
        : throw new DirectoryNotFoundException($"models/codegen-tiny-draft not found above {AppContext.BaseDirectory}");

    /// <summary>The first file or directory at <paramref name="relativePath"/> below the test assembly's folder or one above it, or null.</summary>
    public static string? FindAbove(string relativePath)
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, relativePath);
            if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static string Find(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"Test fixture missing: {path}");
        return path;
    }
}
