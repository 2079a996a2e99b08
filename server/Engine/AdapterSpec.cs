namespace CodeGen.Server.Engine;

/// <summary>One <c>--adapter</c>: the name a request's <c>model</c> field uses and the PEFT adapter directory.</summary>
/// <param name="Name">The adapter's id in the API.</param>
/// <param name="Directory">adapter_config.json + adapter_model.safetensors.</param>
internal sealed record AdapterSpec(string Name, string Directory)
{
    /// <summary>
    /// Reads <c>NAME=DIR</c>, or <c>DIR</c> alone (the adapter is then named after the directory). A value is
    /// NAME=DIR when it has an '=' with a non-empty name before it that holds no path separator.
    /// </summary>
    /// <exception cref="ArgumentException">An empty value or directory (named).</exception>
    public static AdapterSpec Parse(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException("--adapter needs NAME=DIR or DIR, got an empty value");
        int equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals == 0) throw new ArgumentException($"--adapter {value}: expected NAME=DIR with both parts non-empty");
        if (equals > 0 && value.AsSpan(0, equals).IndexOfAny('/', '\\') < 0)
        {
            string name = value[..equals].Trim(), directory = value[(equals + 1)..];
            if (name.Length == 0 || directory.Length == 0) throw new ArgumentException($"--adapter {value}: expected NAME=DIR with both parts non-empty");
            return new AdapterSpec(name, directory);
        }
        return new AdapterSpec(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(value))), value);
    }

    /// <summary>Checks that every name is unique and none is the base model's id.</summary>
    /// <exception cref="ArgumentException">A repeated name, or the base model's (named).</exception>
    public static void CheckNames(IReadOnlyList<AdapterSpec> adapters, string baseName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (AdapterSpec a in adapters)
        {
            if (a.Name == baseName)
                throw new ArgumentException($"--adapter {a.Name}={a.Directory}: the name '{a.Name}' is the base model's id; give the adapter another name (NAME=DIR)");
            if (!seen.Add(a.Name))
                throw new ArgumentException($"--adapter: the name '{a.Name}' is given twice; each adapter needs its own name (NAME=DIR)");
        }
    }
}
