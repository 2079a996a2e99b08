namespace CodeGen.Training.Pretraining;

/// <summary>Everything that decides a pretraining run (saved in each checkpoint).</summary>
internal sealed record PretrainOptions
{
    /// <summary>Shard directory from 'training shards' (shards.json, tokenizer.json).</summary>
    public required string Data { get; init; }

    /// <summary>Run directory: checkpoints/, metrics.jsonl, model/ (the exported model).</summary>
    public required string Output { get; init; }

    /// <summary>Model width.</summary>
    public int Hidden { get; init; } = 256;

    /// <summary>Decoder layers.</summary>
    public int Layers { get; init; } = 6;

    /// <summary>Query heads.</summary>
    public int Heads { get; init; } = 8;

    /// <summary>Key/value heads (GQA).</summary>
    public int KvHeads { get; init; } = 4;

    /// <summary>SwiGLU width.</summary>
    public int Intermediate { get; init; } = 688;

    /// <summary>RoPE base θ (raise it with the context, as code models do when extending theirs).</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary>
    /// A trained Hugging Face model directory to start from instead of random weights (same vocabulary,
    /// width, layers and heads; the SwiGLU may be wider, see WidenedStart). Ignored when resuming.
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>
    /// A trained model directory to distil from (same vocabulary): the loss becomes
    /// <see cref="DistillWeight"/> · KL(teacher ‖ student) + (1 − weight) · cross-entropy. Null = plain pretraining.
    /// </summary>
    public string? Teacher { get; init; }

    /// <summary>Share of the KL term in the loss when distilling (1 = KL only).</summary>
    public double DistillWeight { get; init; } = 1.0;

    /// <summary>Softmax temperature of both distributions in the KL term (the term is scaled by its square).</summary>
    public double DistillTemperature { get; init; } = 1.0;

    /// <summary>Validation also reports the loss of positions below and from this one (0 = off).</summary>
    public int ValidationSplit { get; init; } = 512;

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 2000;

    /// <summary>Sequences per micro-batch.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches per optimizer step (gradient accumulation).</summary>
    public int Accumulation { get; init; } = 1;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Final learning rate of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 3e-4;

    /// <summary>Linear warmup steps.</summary>
    public int Warmup { get; init; } = 100;

    /// <summary>Decoupled weight decay on matrices.</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Global gradient-norm clip.</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Validation every N steps (and at the end).</summary>
    public int EvalEvery { get; init; } = 100;

    /// <summary>Validation batches per evaluation.</summary>
    public int EvalBatches { get; init; } = 8;

    /// <summary>Checkpoint every N steps (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Seed for initialisation and data order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Torch threads (0 = torch's default).</summary>
    public int Threads { get; init; }

    /// <summary>Stop after this many steps in this process (for tests and time-boxed runs); the schedule still spans Steps.</summary>
    public int? StopAfter { get; init; }
}
