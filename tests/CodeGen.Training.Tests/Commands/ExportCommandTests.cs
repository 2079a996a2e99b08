using System.CommandLine;
using CodeGen.Model.Gguf;
using CodeGen.TestUtils;
using CodeGen.Training.Commands;

namespace CodeGen.Training.Tests.Commands;

/// <summary>
/// <c>export --format gguf</c>: f32/f16 by our writer, quantized types by llama.cpp's quantizer. Quantized blocks need
/// rows that are multiples of 32 (256 for k-quants, which llama.cpp otherwise replaces by Q5_0 per tensor): the test model is 256 wide with an FFN of 512; the bundled model's
/// FFN of 688 is refused (until it is retrained at 768).
/// </summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-export-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Invoke_GgufEachType_FileOfThatTypeWhichPassesTheChecks()
    {
        string model = GgufModels.SaveQwen2Directory(Path.Combine(_root, "qwen2"), hidden: 256, intermediate: 512);
        var sizes = new Dictionary<string, long>();
        foreach ((string quant, GgufTensorType type) in new[]
        {
            ("f32", GgufTensorType.F32), ("f16", GgufTensorType.F16), ("q8_0", GgufTensorType.Q8_0), ("q4_0", GgufTensorType.Q4_0), ("q4_k_m", GgufTensorType.Q4_K),
        })
        {
            string file = Path.Combine(_root, $"m-{quant}.gguf");
            (int exit, string output, string error) = Invoke("export", "--model", model, "--format", "gguf", "--quant", quant, "--output", file);
            Assert.True(exit == 0, error);
            Assert.StartsWith($"wrote {file} (", output);
            GgufModel gguf = GgufModel.Open(file);
            Assert.Equal(type, gguf.File.TensorsByName["blk.0.ffn_gate.weight"].Type);
            Assert.Equal(GgufTensorType.F32, gguf.File.TensorsByName["blk.0.attn_norm.weight"].Type);
            Assert.Equal(1024, gguf.Config.VocabSize);
            Assert.False(File.Exists(file + ".f32.tmp"));
            sizes[quant] = new FileInfo(file).Length;
        }
        Assert.True(sizes["f16"] < sizes["f32"] * 0.6, $"f16 {sizes["f16"]} of f32 {sizes["f32"]}");
        Assert.True(sizes["q8_0"] < sizes["f16"] && sizes["q4_0"] < sizes["q8_0"], string.Join(", ", sizes));
    }

    [Fact]
    public void Invoke_Q8_0OfAnFfnOf688_RefusedNamingTheWidth()
    {
        string model = GgufModels.SaveQwen2Directory(Path.Combine(_root, "odd"), hidden: 32, intermediate: 688);
        string file = Path.Combine(_root, "odd.gguf");
        (int exit, _, string error) = Invoke("export", "--model", model, "--format", "gguf", "--quant", "q8_0", "--output", file);
        Assert.NotEqual(0, exit);
        Assert.Contains($"--quant q8_0: {model} has intermediate_size 688, not a multiple of 32", error);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void Invoke_GgufWithoutModel_SaysWhatIsMissing()
    {
        (int exit, _, string error) = Invoke("export", "--format", "gguf", "--output", Path.Combine(_root, "x.gguf"));
        Assert.NotEqual(0, exit);
        Assert.Contains("--format gguf converts a model directory: give --model DIR", error);
    }

    private static (int ExitCode, string Output, string Error) Invoke(params string[] args)
    {
        RootCommand root = new() { ExportCommand.Create() };
        StringWriter output = new();
        StringWriter error = new();
        int exitCode;
        try
        {
            exitCode = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        }
        catch (ArgumentException e)
        {
            // Program.cs prints these as "error: ..." with exit code 1.
            error.Write(e.Message);
            exitCode = 1;
        }
        return (exitCode, output.ToString(), error.ToString());
    }
}
