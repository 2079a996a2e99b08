using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>Pre-norm transformer block: x + attn(norm(x)), then + mlp(norm(x)).</summary>
public sealed class DecoderLayer : nn.Module
{
    private readonly int _index;

    /// <summary>Reads layer <paramref name="index"/> under "{prefix}".</summary>
    public DecoderLayer(string prefix, int index, ModelConfig config, IWeightSource source) : base(prefix)
    {
        _index = index;
        InputLayerNorm = new RmsNorm(prefix + ".input_layernorm", config.HiddenSize, config.RmsNormEps, source);
        SelfAttention = new Attention(prefix + ".self_attn", config, source);
        PostAttentionLayerNorm = new RmsNorm(prefix + ".post_attention_layernorm", config.HiddenSize, config.RmsNormEps, source);
        Mlp = new Mlp(prefix + ".mlp", config, source);
        register_module("input_layernorm", InputLayerNorm);
        register_module("self_attn", SelfAttention);
        register_module("post_attention_layernorm", PostAttentionLayerNorm);
        register_module("mlp", Mlp);
    }

    /// <summary>Norm before attention.</summary>
    public RmsNorm InputLayerNorm { get; }

    /// <summary>The attention block.</summary>
    public Attention SelfAttention { get; }

    /// <summary>Norm before the MLP.</summary>
    public RmsNorm PostAttentionLayerNorm { get; }

    /// <summary>The feed-forward block.</summary>
    public Mlp Mlp { get; }

    internal Tensor Forward(Tensor x, AttentionBatch batch)
    {
        using var scope = NewDisposeScope();
        Tensor h = x.add(SelfAttention.Forward(InputLayerNorm.Forward(x), batch, _index));
        Tensor result = h.add(Mlp.Forward(PostAttentionLayerNorm.Forward(h), batch.Adapters)); // out of place: autograd saved h
        return result.MoveToOuterDisposeScope();
    }
}
