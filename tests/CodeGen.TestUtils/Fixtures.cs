namespace CodeGen.TestUtils;

/// <summary>Paths of the model fixtures copied next to the test assemblies.</summary>
public static class Fixtures
{
    /// <summary>Directory of the stories260K Llama fixture (config.json + model.safetensors).</summary>
    public static string Stories260K => Find("stories260K");

    /// <summary>Directory of the small BPE tokenizer trained by the project (tokenizer.json).</summary>
    public static string SmallTokenizer => Find("tokenizer-small");

    /// <summary>The repository's bundled model (models/codegen-tiny), found from the test assembly upwards.</summary>
    public static string BundledModel
    {
        get
        {
            for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "models", "codegen-tiny");
                if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
            }
            throw new DirectoryNotFoundException($"models/codegen-tiny not found above {AppContext.BaseDirectory}");
        }
    }

    private static string Find(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"Test fixture missing: {path}");
        return path;
    }
}
