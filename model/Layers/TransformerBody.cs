using TorchSharp.Modules;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>The "model." part of a causal LM checkpoint: embed_tokens, layers.N, norm.</summary>
public sealed class TransformerBody : nn.Module
{
    /// <summary>Reads every weight under "model.".</summary>
    public TransformerBody(ModelConfig config, IWeightSource source) : base("model")
    {
        EmbedTokens = new Embedding("model.embed_tokens", config.VocabSize, config.HiddenSize, source, tiedOutput: config.TieWordEmbeddings);
        Layers = new ModuleList<DecoderLayer>(
            Enumerable.Range(0, config.NumHiddenLayers).Select(i => new DecoderLayer($"model.layers.{i}", i, config, source)).ToArray());
        Norm = new RmsNorm("model.norm", config.HiddenSize, config.RmsNormEps, source);
        register_module("embed_tokens", EmbedTokens);
        register_module("layers", Layers);
        register_module("norm", Norm);
    }

    /// <summary>Token embeddings.</summary>
    public Embedding EmbedTokens { get; }

    /// <summary>The decoder layers in order.</summary>
    public ModuleList<DecoderLayer> Layers { get; }

    /// <summary>Final norm.</summary>
    public RmsNorm Norm { get; }

    internal Tensor Forward(Tensor ids, AttentionBatch batch)
    {
        using var scope = NewDisposeScope();
        Tensor h = EmbedTokens.Forward(ids); // (B, T, hidden)
        foreach (DecoderLayer layer in Layers) h = layer.Forward(h, batch);
        return Norm.Forward(h).MoveToOuterDisposeScope();
    }
}
