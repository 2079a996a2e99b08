using System.Diagnostics;
using CodeGen.Model;
using CodeGen.Server.Engine;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Backends;

/// <summary>A bad GGUF file stops the server at start with a message naming it and exit code 1: it never reaches llama.cpp, so nothing crashes natively.</summary>
public sealed class GgufRefusalTests(GgufTestModels models) : IClassFixture<GgufTestModels>
{
    [Fact]
    public async Task Generate_TruncatedGguf_ExitCode1WithTheFileAndNoNativeCrash()
    {
        string bad = Path.Combine(models.Root, "cut.gguf");
        byte[] bytes = File.ReadAllBytes(models.Qwen2);
        File.WriteAllBytes(bad, bytes[..(bytes.Length / 2)]);
        (int exit, string stdout, string stderr) = await RunServerAsync("generate", "--model", bad, "--prompt-ids", "1,2,3", "--max-tokens", "2");
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith($"error: {bad}: tensor '", stderr);
        Assert.EndsWith("truncated\n", stderr);
    }

    [Fact]
    public async Task Serve_DirectoryWithANonGgufFile_ExitCode1NamingIt()
    {
        string directory = Path.Combine(models.Root, "junk");
        Directory.CreateDirectory(directory);
        string bad = Path.Combine(directory, "model.gguf");
        File.WriteAllText(bad, "this is not a model, but long enough to hold a header");
        (int exit, _, string stderr) = await RunServerAsync("--model", directory, "--port", "0");
        Assert.Equal(1, exit);
        Assert.Equal($"error: {bad}: not a GGUF file (magic 0x73696874, expected 0x46554747 \"GGUF\")\n", stderr);
    }

    [Theory]
    [InlineData("torch", "gguf", "--backend torch reads Hugging Face directories (config.json + safetensors); {0} is GGUF: use --backend llama")]
    [InlineData("llama", "directory", "--backend llama needs a GGUF file or a directory holding one; {0} has none (export one with `training export --model DIR --format gguf`)")]
    public void ModelHost_BackendThatCannotReadThePath_NamesBoth(string backend, string what, string message)
    {
        string path = what == "gguf" ? models.Qwen2 : models.Qwen2Directory;
        var e = Assert.Throws<ArgumentException>(() => new ModelHost(path, float32, CPU, new EngineOptions { Backend = backend }));
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, path), e.Message);
    }

    [Fact]
    public void ModelHost_MisshapenTensor_ThrowsBeforeLoading()
    {
        string bad = Path.Combine(models.Root, "misshapen.gguf");
        byte[] bytes = File.ReadAllBytes(models.Qwen2);
        byte[] key = "qwen2.feed_forward_length"u8.ToArray();
        int at = bytes.AsSpan().IndexOf(key) + key.Length + 4; // key, then the uint32 value type
        Assert.Equal(64u, BitConverter.ToUInt32(bytes, at));
        BitConverter.GetBytes(96u).CopyTo(bytes, at);
        File.WriteAllBytes(bad, bytes);
        var e = Assert.Throws<ModelLoadException>(() => new ModelHost(bad, float32, CPU, new EngineOptions()));
        Assert.Equal($"{bad}: tensor 'blk.0.ffn_gate.weight' has shape [32, 64], expected [32, 96] from the metadata", e.Message);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunServerAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "server.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
