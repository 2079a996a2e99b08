using System.Text.Json;

namespace CodeGen.Lsp;

// The settings in force: the command line's, then initializationOptions, then each didChangeConfiguration.
// Readers take Current once per request, so a change never mixes two versions within one.
internal sealed class LiveSettings(LspSettings initial)
{
    private volatile LspSettings _current = initial;

    public LspSettings Current => _current;

    // Applies json over the current settings; returns the warnings for fields it skipped.
    public IReadOnlyList<string> Apply(JsonElement? json)
    {
        var warnings = new List<string>();
        _current = LspSettingsReader.Apply(_current, json, warnings);
        return warnings;
    }
}
