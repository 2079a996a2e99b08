namespace CodeGen.TestUtils;

/// <summary>Paths of the model fixtures copied next to the test assemblies.</summary>
public static class Fixtures
{
    /// <summary>Directory of the stories260K Llama fixture (config.json + model.safetensors).</summary>
    public static string Stories260K => Find("stories260K");

    /// <summary>Directory of the small BPE tokenizer trained by the project (tokenizer.json).</summary>
    public static string SmallTokenizer => Find("tokenizer-small");

    private static string Find(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"Test fixture missing: {path}");
        return path;
    }
}
