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

    /// <summary>Creates a KV cache for this model.</summary>
    public KvCache CreateCache(int slots, int capacity) => new(Config, slots, capacity, DType, Device);

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
        long b = ids.shape[0], t = ids.shape[1];
        Tensor positions = arange(t, int64, Device).unsqueeze(0).expand(b, t);
        (Tensor cos, Tensor sin) = _rope.ForPositions(positions, t, DType);
        using var batch = new AttentionBatch { Cos = cos, Sin = sin };
        Tensor hidden = Body.Forward(ids.to(Device), batch);
        return Project(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs one step for a batch of sequences held in <paramref name="cache"/>: each appends its tokens at its
    /// current length (prefill when many, decode when one), and the cache lengths advance. Returns float32
    /// logits for the last new token of each sequence (B, vocab), or for every new position (B, T, vocab)
    /// when <paramref name="allPositions"/> (rows past a sequence's own token count are padding).
    /// </summary>
    /// <exception cref="ArgumentException">Empty input, a token id outside the vocabulary, or a sequence that would outgrow its slot.</exception>
    public Tensor Forward(IReadOnlyList<SequenceInput> inputs, KvCache cache, bool allPositions = false)
    {
        if (inputs.Count == 0) throw new ArgumentException("No sequences to run");
        int b = inputs.Count;
        int t = inputs.Max(s => s.Tokens.Count);
        var starts = new int[b];
        var counts = new int[b];
        var slots = new int[b];
        var ids = new long[b * t];
        var positions = new long[b * t];
        for (int i = 0; i < b; i++)
        {
            SequenceInput input = inputs[i];
            slots[i] = input.Slot;
            starts[i] = cache.Length(input.Slot);
            counts[i] = input.Tokens.Count;
            if (counts[i] == 0) throw new ArgumentException($"Sequence in slot {input.Slot} has no tokens to run");
            if (starts[i] + counts[i] > cache.Capacity)
            {
                throw new ArgumentException(
                    $"Sequence in slot {input.Slot} would hold {starts[i] + counts[i]} positions; the cache holds {cache.Capacity}");
            }
            for (int j = 0; j < t; j++)
            {
                int token = j < counts[i] ? input.Tokens[j] : 0;
                if ((uint)token >= (uint)Config.VocabSize)
                    throw new ArgumentException($"Token id {token} is outside the vocabulary [0, {Config.VocabSize})");
                ids[i * t + j] = token;
                positions[i * t + j] = starts[i] + Math.Min(j, counts[i] - 1);
            }
        }
        int keyLength = Enumerable.Range(0, b).Max(i => starts[i] + counts[i]);

        using var scope = NewDisposeScope();
        Tensor idTensor = tensor(ids, [b, t], int64).to(Device);
        Tensor posTensor = tensor(positions, [b, t], int64).to(Device);
        (Tensor cos, Tensor sin) = _rope.ForPositions(posTensor, keyLength, DType);
        using var batch = new AttentionBatch
        {
            Cos = cos,
            Sin = sin,
            Cache = cache,
            Slots = slots,
            Starts = starts,
            Counts = counts,
            SlotIndex = b > 1 ? tensor(slots.Select(s => (long)s).ToArray(), int64).to(Device) : null,
            Mask = b == 1 && t == 1 ? null : BuildMask(starts, counts, t, keyLength),
            KeyLength = keyLength,
        };
        Tensor hidden = Body.Forward(idTensor, batch); // (B, T, hidden)
        for (int i = 0; i < b; i++) cache.Advance(slots[i], counts[i]);
        if (allPositions) return Project(hidden).MoveToOuterDisposeScope();
        Tensor last = cat(Enumerable.Range(0, b).Select(i => hidden[i].narrow(0, counts[i] - 1, 1)).ToArray(), 0); // (B, hidden)
        return Project(last).MoveToOuterDisposeScope();
    }

    // Query row t of sequence b sees key j when j <= start_b + t (causal) and j < start_b + count_b (its own keys).
    // Rows are repeated for the g query heads folded into the query axis: (B, 1, g·T, L).
    private Tensor BuildMask(int[] starts, int[] counts, int t, int keyLength)
    {
        using var scope = NewDisposeScope();
        int b = starts.Length;
        Tensor startT = tensor(starts.Select(s => (long)s).ToArray(), int64).view(b, 1, 1, 1);
        Tensor limit = tensor(starts.Zip(counts, (s, c) => (long)(s + c)).ToArray(), int64).view(b, 1, 1, 1);
        Tensor queryPos = startT.add(arange(t, int64).view(1, 1, t, 1)); // (B, 1, T, 1)
        Tensor keyPos = arange(keyLength, int64).view(1, 1, 1, keyLength); // (1, 1, 1, L)
        Tensor mask = keyPos.le(queryPos).logical_and(keyPos.lt(limit)); // (B, 1, T, L)
        return mask.repeat(1, 1, Config.GroupSize, 1).to(Device).MoveToOuterDisposeScope();
    }

    private Tensor Project(Tensor hidden)
    {
        using Tensor logits = LmHead is null
            ? nn.functional.linear(hidden, Body.EmbedTokens.Weight)
            : LmHead.Forward(hidden);
        return logits.to(float32);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope.Dispose();
        base.Dispose(disposing);
    }
}
