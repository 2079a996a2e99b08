using CodeGen.Model;
using CodeGen.Model.Layers;
using CodeGen.Model.Weights;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Layers;

public sealed class WeightLayoutTests
{
    [Fact]
    public void ToColumnMajor_KeepsShapeAndValues_ChangesStrides()
    {
        using Tensor original = arange(12, float32).view(3, 4);
        using Tensor expected = original.clone();
        using Tensor columnMajor = WeightLayout.ToColumnMajor(original.clone());
        Assert.Equal([3L, 4L], columnMajor.shape);
        Assert.Equal([1L, 3L], columnMajor.stride());
        Assert.True(WeightLayout.IsColumnMajor(columnMajor));
        Assert.False(WeightLayout.IsColumnMajor(expected));
        Assert.True(columnMajor.eq(expected).all().item<bool>());
    }

    [Fact]
    public void ToColumnMajor_RejectsNonMatrix()
    {
        using Tensor vector = zeros(5);
        Assert.Throws<ArgumentException>(() => WeightLayout.ToColumnMajor(vector.clone()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Model_StoresWideOutputMatricesAndTiedTableColumnMajor(bool tied)
    {
        ModelConfig config = TinyModels.Qwen2Config(tied);
        using var model = new CausalLM(config, new RandomWeightSource(3, float32, CPU), float32, CPU);
        DecoderLayer layer = model.Body.Layers[0];
        Assert.True(WeightLayout.IsColumnMajor(layer.Mlp.GateProj.Weight)); // hidden → intermediate
        Assert.True(WeightLayout.IsColumnMajor(layer.SelfAttention.QProj.Weight)); // square
        Assert.False(WeightLayout.IsColumnMajor(layer.Mlp.DownProj.Weight)); // intermediate → hidden: row-major
        Assert.Equal(tied, WeightLayout.IsColumnMajor(model.Body.EmbedTokens.Weight));
        Assert.Equal([config.IntermediateSize, (long)config.HiddenSize], layer.Mlp.GateProj.Weight.shape);
    }

    [Fact]
    public void Model_ReducedPrecision_StaysRowMajor()
    {
        // oneDNN's bfloat16/float16 kernels are many times slower on a column-major operand.
        ModelConfig config = TinyModels.Qwen2Config(tied: true);
        using var model = new CausalLM(config, new RandomWeightSource(3, bfloat16, CPU), bfloat16, CPU);
        Assert.All(model.NamedWeights().Where(w => w.Value.dim() == 2), w => Assert.False(WeightLayout.IsColumnMajor(w.Value), w.Key));
        Assert.False(WeightLayout.PrefersColumnMajor(8, 4, float16, CPU));
        Assert.True(WeightLayout.PrefersColumnMajor(8, 4, float32, CPU));
        Assert.False(WeightLayout.PrefersColumnMajor(4, 8, float32, CPU));
    }

    [Fact]
    public void Linear_ColumnMajorStorage_GivesTheSameProductAsRowMajor()
    {
        using Tensor w = randn(48, 16, generator: new Generator(5));
        using Tensor b = randn(48, generator: new Generator(6));
        using Tensor x = randn(2, 3, 16, generator: new Generator(7));
        var source = new DictionarySource(new() { ["p.weight"] = w, ["p.bias"] = b });
        using var linear = new Linear("p", 16, 48, bias: true, source);
        Assert.True(WeightLayout.IsColumnMajor(linear.Weight));
        using Tensor expected = nn.functional.linear(x, w, b);
        using Tensor actual = linear.Forward(x);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void SaveAndLoad_ColumnMajorWeights_RoundTripExactly()
    {
        string directory = Path.Combine(Path.GetTempPath(), "codegen-layout-" + Guid.NewGuid().ToString("N"));
        try
        {
            ModelConfig config = TinyModels.Qwen2Config(tied: true);
            using var model = new CausalLM(config, new RandomWeightSource(9, float32, CPU), float32, CPU);
            model.Save(directory);
            using var loaded = CausalLM.Load(directory, float32, CPU);
            foreach ((string name, Tensor weight) in model.NamedWeights())
            {
                Tensor other = loaded.NamedWeights().Single(p => p.Key == name).Value;
                Assert.True(weight.eq(other).all().item<bool>(), name);
            }
            // The bytes on disk are row-major (out, in), as Hugging Face writes them.
            using var file = SafeTensorsFile.Open(Path.Combine(directory, "model.safetensors"));
            using Tensor gateOnDisk = file.Load("model.layers.0.mlp.gate_proj.weight", float32, CPU);
            Assert.True(gateOnDisk.eq(model.Body.Layers[0].Mlp.GateProj.Weight).all().item<bool>());
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class DictionarySource(Dictionary<string, Tensor> tensors) : IWeightSource
    {
        public Tensor Get(string name, long[] shape, WeightKind kind) => tensors[name].clone();
    }
}
