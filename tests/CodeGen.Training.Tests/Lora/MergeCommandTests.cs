using System.CommandLine;
using CodeGen.Model;
using CodeGen.Model.Lora;
using CodeGen.Training.Commands;
using CodeGen.Training.Distributed;
using CodeGen.Training.Lora;
using static TorchSharp.torch;

namespace CodeGen.Training.Tests.Lora;

public sealed class MergeCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-merge-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Invoke_TrainedAdapter_MergedDirectoryGivesTheLogitsOfBasePlusAdapter()
    {
        string baseDir = LoraFixture.Base(_root), adapterDir = Path.Combine(_root, "adapter"), merged = Path.Combine(_root, "merged");
        new LoraTrainer(LoraFixture.Options(baseDir, LoraFixture.Pairs(_root), adapterDir) with { Steps = 3 }, new SingleProcess(), TextWriter.Null).Run(resume: false);

        (int exit, string output, string error) = Invoke("merge", "--base", baseDir, "--adapter", adapterDir, "--output", merged);
        Assert.True(exit == 0, error);
        Assert.Equal($"merged 14 modules into {merged}", output.Trim());
        Assert.Equal(File.ReadAllText(Path.Combine(baseDir, "tokenizer.json")), File.ReadAllText(Path.Combine(merged, "tokenizer.json")));

        using Tensor ids = tensor(new long[] { 1, 200, 33, 512, 7, 90 }, [1, 6], int64);
        using CausalLM reference = CausalLM.Load(baseDir, float32, CPU), fromMerged = CausalLM.Load(merged, float32, CPU);
        using (PeftAdapter adapter = PeftAdapter.Load(adapterDir)) adapter.ApplyTo(reference, merge: false);
        Assert.DoesNotContain(fromMerged.named_parameters(), p => p.name.Contains("lora_"));
        using var noGrad = no_grad();
        using Tensor expected = reference.Forward(ids), actual = fromMerged.Forward(ids);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 1e-4), $"differs by {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Invoke_AdapterDirectoryMissing_ExitOneNamingIt()
    {
        string baseDir = LoraFixture.Base(_root), missing = Path.Combine(_root, "nothing");
        (int exit, _, string error) = Invoke("merge", "--base", baseDir, "--adapter", missing, "--output", Path.Combine(_root, "out"));
        Assert.Equal(1, exit);
        Assert.Equal($"Adapter directory not found: {missing}", error);
    }

    [Fact]
    public void Invoke_OutputIsTheBase_Refused()
    {
        string baseDir = LoraFixture.Base(_root);
        (int exit, _, string error) = Invoke("merge", "--base", baseDir, "--adapter", baseDir, "--output", baseDir);
        Assert.Equal(1, exit);
        Assert.Equal($"--output {baseDir} is the base model's directory; write the merged model elsewhere", error);
    }

    internal static (int ExitCode, string Output, string Error) Invoke(params string[] args)
    {
        RootCommand root = new() { MergeCommand.Create(), LoraCommand.Create() };
        StringWriter output = new();
        StringWriter error = new();
        int exitCode;
        try
        {
            exitCode = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is ModelLoadException or InvalidOperationException or IOException or ArgumentException or InvalidDataException)
        {
            // Program.cs prints these as "error: ..." with exit code 1.
            error.Write(e.Message);
            exitCode = 1;
        }
        return (exitCode, output.ToString(), error.ToString());
    }
}
