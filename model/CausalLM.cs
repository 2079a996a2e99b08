using CodeGen.Model.Caching;
using CodeGen.Model.Layers;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model;

/// <summary>
/// A decoder-only language model of the Llama / Qwen2 family: embeddings, N pre-norm blocks (GQA attention
/// with RoPE, SwiGLU), final RMSNorm and an lm_head that may be tied to the embeddings. Parameter names
/// equal Hugging Face checkpoint names, so state is read and written without a name map.
/// </summary>
public sealed class CausalLM : nn.Module
{
    private readonly RotaryEmbedding _rope;

    /// <summary>Builds the model from <paramref name="source"/> (a checkpoint or random weights).</summary>
    public CausalLM(ModelConfig config, IWeightSource source, ScalarType dtype, Device device) : base("CausalLM")
    {
        Config = config;
        DType = dtype;
        Device = device;
        Body = new TransformerBody(config, source);
        register_module("model", Body);
        if (!config.TieWordEmbeddings)
        {
            LmHead = new Linear("lm_head", config.HiddenSize, config.VocabSize, bias: false, source);
            register_module("lm_head", LmHead);
        }
        _rope = new RotaryEmbedding(config, device);
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>Weight and activation dtype (float32, bfloat16 or float16).</summary>
    public ScalarType DType { get; }

    /// <summary>Where the weights live.</summary>
    public Device Device { get; }

    /// <summary>Embeddings, layers and final norm.</summary>
    public TransformerBody Body { get; }

    /// <summary>The output projection, or null when tied to the embeddings.</summary>
    public Linear? LmHead { get; }

    /// <summary>
    /// LoRA adapters held unmerged for serving side by side (<see cref="Lora.PeftAdapter.AddTo"/>), numbered 1 to this;
    /// a <see cref="SequenceStep.Adapter"/> of 0 runs the base model.
    /// </summary>
    public int AdapterSlots { get; private set; }

    /// <summary>Reserves the next adapter slot.</summary>
    internal int NextAdapterSlot() => ++AdapterSlots;

    /// <summary>Loads config.json and the safetensors weights of a Hugging Face model directory.</summary>
    /// <exception cref="ModelLoadException">Missing files, unsupported architecture, or a missing or mis-shaped tensor (named).</exception>
    public static CausalLM Load(string directory, ScalarType dtype, Device device)
    {
        if (!Directory.Exists(directory)) throw new ModelLoadException($"Model directory not found: {directory}");
        ModelConfig config = ModelConfig.Load(directory);
        using Checkpoint checkpoint = Checkpoint.Open(directory);
        var source = new CheckpointWeightSource(checkpoint, dtype, device);
        return new CausalLM(config, source, dtype, device);
    }

    /// <summary>Parses "float32" / "bfloat16" / "float16" (as in config.json and the CLI).</summary>
    public static ScalarType ParseDType(string name) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => float32,
        "bfloat16" or "bf16" => bfloat16,
        "float16" or "fp16" or "f16" => float16,
        _ => throw new ArgumentException($"Unknown dtype '{name}' (expected float32, bfloat16 or float16)"),
    };

    /// <summary>Turns gradients on (training) or off (inference) for every weight.</summary>
    public void SetRequiresGrad(bool requiresGrad)
    {
        foreach (var parameter in parameters()) parameter.requires_grad = requiresGrad;
    }

    /// <summary>Creates a paged KV cache of <paramref name="blocks"/> blocks of <paramref name="blockSize"/> positions for this model.</summary>
    public PagedKvCache CreateCache(int blocks, int blockSize) => new(Config, blocks, blockSize, DType, Device);

    /// <summary>Weights with their checkpoint names (tied lm_head omitted, as HF saves it).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedWeights() =>
        named_parameters().Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter));

    /// <summary>Writes config.json and model.safetensors (sharded past <paramref name="maxShardBytes"/>) into <paramref name="directory"/>.</summary>
    public void Save(string directory, long maxShardBytes = 4L << 30)
    {
        Directory.CreateDirectory(directory);
        SafeTensorsWriter.WriteCheckpoint(directory, NamedWeights(), maxShardBytes);
        File.WriteAllText(Path.Combine(directory, "config.json"), Config.ToJson());
    }

    /// <summary>
    /// Full causal forward without a cache (training, scoring): <paramref name="ids"/> (B, T) int64 →
    /// float32 logits (B, T, vocab).
    /// </summary>
    public Tensor Forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        (Tensor cos, Tensor sin) = _rope.ForPrefix(ids.shape[1], DType); // (T, D)
        using var batch = new AttentionBatch { Cos = cos, Sin = sin };
        Tensor hidden = Body.Forward(ids.to(Device), batch);
        return Project(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Forward and backward of <paramref name="loss"/>(logits of <paramref name="ids"/>) with activation checkpointing
    /// per decoder layer: the forward keeps only each layer's input (B, T, hidden), then back-propagates layer by layer,
    /// recomputing each layer's forward with gradients just before its backward (the random state is replayed, so
    /// dropout draws the same masks twice). Gradients accumulate into the parameters' grad exactly as
    /// loss(Forward(ids)).backward() would put them there; returns the loss value, detached. <paramref name="random"/>
    /// is a generator that dropout draws from besides torch's default one (replayed too).
    /// </summary>
    public Tensor BackwardWithCheckpoints(Tensor ids, Func<Tensor, Tensor> loss, Generator? random = null)
    {
        using var scope = NewDisposeScope();
        (Tensor cos, Tensor sin) = _rope.ForPrefix(ids.shape[1], DType); // (T, D)
        using var batch = new AttentionBatch { Cos = cos, Sin = sin };
        Tensor input = ids.to(Device);
        int layers = Body.Layers.Count;
        var inputs = new Tensor[layers]; // (B, T, hidden) each
        var randomStates = new (Tensor Default, Tensor? Own)[layers];
        Tensor hidden;
        using (no_grad())
        {
            hidden = Body.EmbedTokens.Forward(input);
            for (int i = 0; i < layers; i++)
            {
                inputs[i] = hidden;
                randomStates[i] = (TorchSharp.torch.random.get_rng_state(), random?.get_state());
                hidden = Body.Layers[i].Forward(hidden, batch);
            }
        }

        Tensor last = hidden.detach().requires_grad_(true);
        Tensor value = loss(Project(Body.Norm.Forward(last)));
        value.backward();
        Tensor gradient = last.grad ?? throw new InvalidOperationException("the loss does not depend on the last hidden state");
        (Tensor Default, Tensor? Own) after = (TorchSharp.torch.random.get_rng_state(), random?.get_state());
        for (int i = layers - 1; i >= 0; i--)
        {
            TorchSharp.torch.random.set_rng_state(randomStates[i].Default);
            if (randomStates[i].Own is Tensor own) random!.set_state(own);
            Tensor x = inputs[i].detach().requires_grad_(true);
            Tensor y = Body.Layers[i].Forward(x, batch);
            y.backward([gradient]);
            gradient = x.grad ?? throw new InvalidOperationException($"layer {i}'s output does not depend on its input");
        }
        TorchSharp.torch.random.set_rng_state(after.Default);
        if (after.Own is Tensor ownAfter) random!.set_state(ownAfter);
        if (Body.EmbedTokens.Weight.requires_grad)
        {
            Tensor embedded = Body.EmbedTokens.Forward(input);
            embedded.backward([gradient]);
        }
        return value.detach().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One step over a paged KV cache for a batch of sequences: each sequence's new tokens are packed into one
    /// token axis (no padding), their keys and values are written into the sequence's blocks, and each attends to
    /// what its blocks hold. Returns float32 logits (R, vocab) for the last <see cref="SequenceStep.LogitRows"/>
    /// positions of each sequence, in order (R is their sum; (0, vocab) when no sequence asks for logits). The
    /// caller owns the cache's bookkeeping: which blocks a sequence holds and how many positions are filled.
    /// </summary>
    /// <exception cref="ArgumentException">No sequence, a sequence without tokens, a token outside the vocabulary, or a step past the context or the blocks given.</exception>
    public Tensor Forward(IReadOnlyList<SequenceStep> steps, PagedKvCache cache)
    {
        using var scope = NewDisposeScope();
        PackedSteps packed = PackedSteps.Create(steps, Config, cache, AdapterSlots);
        (Tensor cos, Tensor sin) = _rope.ForPositions(tensor(packed.Positions, int64).to(Device), DType); // (N, D)
        GatheredDecode? gathered = packed.GatherPlan(Config, Device);
        IReadOnlyList<PoolSpan>? writeSpans = packed.WriteSpans(most: 2);
        using var batch = new AttentionBatch
        {
            Cos = cos,
            Sin = sin,
            Cache = cache,
            WriteSpans = writeSpans,
            WritePositions = writeSpans is null ? packed.WritePositions(Device) : null,
            Gathered = gathered,
            Sequences = gathered is null ? packed.Sequences(Config.GroupSize, Device) : [],
            Adapters = packed.RowAdapters is { } slots ? LoraRouting.Create(slots, Device) : null,
        };
        Tensor hidden = Body.Forward(tensor(packed.Ids, [1, packed.Ids.Length], int64).to(Device), batch); // (1, N, hidden)
        if (packed.LogitRows.Length == 0) return zeros([0, Config.VocabSize], float32, Device).MoveToOuterDisposeScope();
        Tensor rows = hidden[0].index_select(0, tensor(packed.LogitRows, int64).to(Device)); // (R, hidden)
        using LoraRouting? headAdapters = packed.LogitRowAdapters is { } headSlots && LmHead is not null ? LoraRouting.Create(headSlots, Device) : null;
        return Project(rows, headAdapters).MoveToOuterDisposeScope();
    }

    private Tensor Project(Tensor hidden, LoraRouting? adapters = null)
    {
        using Tensor logits = LmHead is null
            ? nn.functional.linear(hidden, Body.EmbedTokens.Weight)
            : LmHead.Forward(hidden, adapters);
        return logits.to(float32);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope.Dispose();
        base.Dispose(disposing);
    }
}
