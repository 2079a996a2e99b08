using System.Text.Json;

namespace CodeGen.Lsp.Tests;

public sealed class LspSettingsReaderTests
{
    [Fact]
    public void Apply_EveryField_SetsIt()
    {
        var warnings = new List<string>();
        using JsonDocument json = JsonDocument.Parse("""
            {"serverUrl": "http://gpu:9000", "apiKey": "k", "maxTokens": 32, "temperature": 0.5, "debounceMs": 25,
             "lines": "single", "promptTokens": 2000, "contextTokens": 500, "constrain": {"csharp": "csharp"},
             "requestTimeoutMs": 900, "breakMs": 1500, "fim": false}
            """);

        LspSettings settings = LspSettingsReader.Apply(new LspSettings(), json.RootElement, warnings);

        Assert.Empty(warnings);
        Assert.Equal(new Uri("http://gpu:9000"), settings.Server);
        Assert.Equal("k", settings.ApiKey);
        Assert.Equal(32, settings.MaxTokens);
        Assert.Equal(0.5, settings.Temperature);
        Assert.Equal(25, settings.DebounceMs);
        Assert.Equal(LinePolicy.Single, settings.Lines);
        Assert.Equal(2000, settings.PromptTokens);
        Assert.Equal(500, settings.ContextTokens);
        Assert.Equal("csharp", settings.ConstrainFor("csharp"));
        Assert.Equal("none", settings.ConstrainFor("python"));
        Assert.Equal(900, settings.RequestTimeoutMs);
        Assert.Equal(1500, settings.BreakMs);
        Assert.False(settings.Fim);
    }

    [Fact]
    public void Apply_NestedUnderCodegenWithBadValues_KeepsOldValuesAndWarnsPerField()
    {
        var warnings = new List<string>();
        using JsonDocument json = JsonDocument.Parse("""{"codegen": {"maxTokens": -1, "serverUrl": "ftp://x", "debounceMs": 10}}""");

        LspSettings settings = LspSettingsReader.Apply(new LspSettings(), json.RootElement, warnings);

        Assert.Equal(new LspSettings { DebounceMs = 10 }.ToString(), settings.ToString());
        Assert.Equal(
            [
                "Setting 'maxTokens' has an invalid value -1; it keeps its current value.",
                "Setting 'serverUrl' has an invalid value \"ftp://x\"; it keeps its current value.",
            ],
            warnings);
    }

    [Fact]
    public void Defaults_AreDocumentedValues()
    {
        var settings = new LspSettings();

        Assert.Equal(
            "LspSettings { Server = http://127.0.0.1:8080/, ApiKey = (none), MaxTokens = 64, Temperature = 0, DebounceMs = 60, " +
            "Lines = Auto, PromptTokens = 384, ContextTokens = 96, Fim = True, RequestTimeoutMs = 5000, BreakMs = 10000 }",
            settings.ToString());
    }
}
