using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CodeGen.Lsp.Tests.EndToEnd;

namespace CodeGen.Lsp.Tests.Editors;

/// <summary>
/// A real editor as the client: Debian's Neovim (test.sh installs it), headless, its built-in LSP client
/// starting our server (dotnet CodeGen.Lsp.dll) on a C# file against the real server, typing a line and
/// asking for completions. The items must be what an in-process session at the same text and cursor gets.
/// </summary>
[Collection(RealServerCollection.Name)]
public sealed class NeovimTests(ServerProcessFixture server)
{
    private const string Text = "namespace Demo;\n\npublic sealed class Counter\n{\n    private int _count;\n\n    public int Count\n}\n";

    [Fact]
    public async Task Neovim_BuiltInClientOnCSharpFile_GetsItemsWithRangesAtCursor()
    {
        string root = Directory.CreateTempSubdirectory("codegen-nvim-").FullName;
        try
        {
            string file = Path.Combine(root, "Counter.cs");
            await File.WriteAllTextAsync(file, Text);
            string output = Path.Combine(root, "result.json");
            JsonElement result = await RunNeovimAsync(root, file, line: 6, typed: " { get; ", output);

            Assert.False(result.TryGetProperty("error", out JsonElement error), error.ToString());
            Assert.Equal("utf-16", result.GetProperty("encoding").GetString());
            Assert.Equal(2, result.GetProperty("sync").GetProperty("change").GetInt32());
            string typedText = Text.Replace("    public int Count\n", "    public int Count { get; \n", StringComparison.Ordinal).TrimEnd('\n');
            Assert.Equal(typedText, result.GetProperty("text").GetString());

            string expected = await InProcessSuggestionAsync(typedText + "\n", line: 6, character: 28);
            Assert.NotEqual("", expected);
            const string Cursor = "6:28-6:28";

            JsonElement item = Assert.Single(result.GetProperty("completion").GetProperty("items").EnumerateArray());
            Assert.Equal(expected, item.GetProperty("insertText").GetString());
            Assert.Equal(expected, item.GetProperty("textEdit").GetProperty("newText").GetString());
            Assert.Equal(Cursor, Canonical(item.GetProperty("textEdit").GetProperty("range")));
            Assert.Equal(expected.Split('\n')[0].Trim(), item.GetProperty("label").GetString());

            JsonElement inline = Assert.Single(result.GetProperty("inline").GetProperty("items").EnumerateArray());
            Assert.Equal(expected, inline.GetProperty("insertText").GetString());
            Assert.Equal(Cursor, Canonical(inline.GetProperty("range")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private async Task<JsonElement> RunNeovimAsync(string root, string file, int line, string typed, string output)
    {
        var start = new ProcessStartInfo("nvim") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "--headless", "--clean", "-n", "-c", $"luafile {Path.Combine(AppContext.BaseDirectory, "Editors", "complete.lua")}" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["CODEGEN_LSP"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "CodeGen.Lsp.dll")} --server {server.BaseAddress}";
        start.Environment["CODEGEN_ROOT"] = root;
        start.Environment["CODEGEN_FILE"] = file;
        start.Environment["CODEGEN_LINE"] = line.ToString(CultureInfo.InvariantCulture);
        start.Environment["CODEGEN_TYPE"] = typed;
        start.Environment["CODEGEN_OUT"] = output;
        using Process nvim = Process.Start(start)
            ?? throw new InvalidOperationException("nvim did not start (test.sh installs Debian's neovim)");
        Task<string> stdout = nvim.StandardOutput.ReadToEndAsync();
        Task<string> stderr = nvim.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await nvim.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            nvim.Kill(entireProcessTree: true);
            Assert.Fail($"nvim did not finish within 120 s: {await stdout} {await stderr}");
        }

        Assert.True(File.Exists(output), $"nvim wrote no result (exit {nvim.ExitCode}): {await stdout} {await stderr}");
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        return json.RootElement.Clone();
    }

    // What an in-process session says for the same text and cursor (greedy decoding: the same suggestion).
    private async Task<string> InProcessSuggestionAsync(string text, int line, int character)
    {
        await using var session = new LspSession();
        await session.InitializeAsync(new { serverUrl = server.BaseAddress.ToString(), debounceMs = 0 });
        await session.OpenAsync("file:///tmp/other/Counter.cs", text);
        JsonElement response = await session.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = "file:///tmp/other/Counter.cs" },
            position = new { line, character },
            context = new { triggerKind = 1 },
        });
        JsonElement items = response.GetProperty("result").GetProperty("items");
        return items.GetArrayLength() == 0 ? "" : items[0].GetProperty("insertText").GetString()!;
    }

    // "line:character-line:character" (Neovim's json_encode orders keys its own way).
    private static string Canonical(JsonElement range) => string.Create(CultureInfo.InvariantCulture,
        $"{range.GetProperty("start").GetProperty("line").GetInt32()}:{range.GetProperty("start").GetProperty("character").GetInt32()}-" +
        $"{range.GetProperty("end").GetProperty("line").GetInt32()}:{range.GetProperty("end").GetProperty("character").GetInt32()}");
}
