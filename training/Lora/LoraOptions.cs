namespace CodeGen.Training.Lora;

/// <summary>Everything that decides a LoRA fine-tuning run (saved in each checkpoint; a resume must match it).</summary>
internal sealed record LoraOptions
{
    /// <summary>The base model: a Hugging Face directory (config.json, safetensors, tokenizer.json).</summary>
    public required string Base { get; init; }

    /// <summary>A code repository directory (read through the corpus builder) or a JSONL file of prompt/completion pairs.</summary>
    public required string Data { get; init; }

    /// <summary>File extensions a repository's files are read with (as 'training corpus --extensions').</summary>
    public IReadOnlyList<string> Extensions { get; init; } = [".cs", ".py"];

    /// <summary>Wildcard patterns of full paths a repository's reading skips ('*' also matches '/'): build outputs by default.</summary>
    public IReadOnlyList<string> Excludes { get; init; } = ["*/bin/*", "*/obj/*"];

    /// <summary>Output directory: the PEFT adapter, metrics.jsonl, run.json and checkpoints/.</summary>
    public required string Output { get; init; }

    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Short module names the adapter targets (q_proj, ..., down_proj).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = DefaultTargets;

    /// <summary>LoRA rank r.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>lora_alpha: the update is scaled by alpha / r (alpha / √r with rsLoRA).</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout on the update's input while training.</summary>
    public double Dropout { get; init; }

    /// <summary>Rank-stabilised scaling alpha / √r.</summary>
    public bool RsLora { get; init; }

    /// <summary>dtype the frozen base weights are held in: float32 or bfloat16 (the adapter is always float32).</summary>
    public string BaseDType { get; init; } = "float32";

    /// <summary>Recompute each decoder layer's activations in the backward pass instead of keeping them.</summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>Sequences per micro-batch over all workers (each of N workers runs BatchSize / N of them).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches per optimizer step (gradient accumulation).</summary>
    public int GradAccum { get; init; } = 1;

    /// <summary>Tokens per training sequence (inputs; each example holds SeqLen + 1 ids at most).</summary>
    public int SeqLen { get; init; } = 256;

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Final learning rate of the cosine decay, as a fraction of the peak.</summary>
    public double MinLearningRateRatio { get; init; } = 0.1;

    /// <summary>Linear warmup steps.</summary>
    public int Warmup { get; init; } = 10;

    /// <summary>Decoupled weight decay on the adapter matrices.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Validation loss every N steps (and before the first and after the last); 0 = only before and after.</summary>
    public int EvalEvery { get; init; } = 50;

    /// <summary>Fraction of the data held out for validation (by file for a repository, by line for JSONL).</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>At most this many held-out sequences are scored per validation (0 = all).</summary>
    public int EvalSequences { get; init; } = 64;

    /// <summary>Checkpoint every N steps (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 50;

    /// <summary>Compare a checksum of the adapter weights across workers every N steps.</summary>
    public int ChecksumEvery { get; init; } = 10;

    /// <summary>Fraction of a repository's training files turned into fill-in-the-middle examples (as 'training shards').</summary>
    public double FimRate { get; init; } = 0.5;

    /// <summary>Fraction of FIM examples in SPM order.</summary>
    public double FimSpmRate { get; init; } = 0.5;

    /// <summary>Seed for the adapter's initialisation, the data order, FIM and dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Torch threads (0 = torch's default).</summary>
    public int Threads { get; init; }

    /// <summary>Stop after this many steps in this process (tests, time-boxed runs); the schedule still spans Steps.</summary>
    public int? StopAfter { get; init; }

    /// <summary>q, k, v, o, gate, up, down.</summary>
    public static readonly IReadOnlyList<string> DefaultTargets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>"q" → "q_proj", "gate" → "gate_proj"; other names are kept ("lm_head", "q_proj").</summary>
    public static string ModuleName(string shortName) => shortName switch
    {
        "q" or "k" or "v" or "o" or "gate" or "up" or "down" => shortName + "_proj",
        _ => shortName,
    };

    /// <summary>The update's scale: alpha / r, or alpha / √r with rsLoRA.</summary>
    public double Scale => RsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>Throws <see cref="ArgumentException"/> naming the flag of the first bad value.</summary>
    public void Validate(int workers)
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }

        Require(Steps >= 1, $"--steps must be at least 1, got {Steps}");
        Require(Rank >= 1, $"--rank must be at least 1, got {Rank}");
        Require(Alpha > 0, $"--alpha must be positive, got {Alpha}");
        Require(Dropout is >= 0 and < 1, $"--dropout must be in [0, 1), got {Dropout}");
        Require(BaseDType is "float32" or "bfloat16", $"--base-dtype must be float32 or bfloat16, got '{BaseDType}'");
        Require(BatchSize >= 1, $"--batch-size must be at least 1, got {BatchSize}");
        Require(BatchSize % workers == 0, $"--batch-size {BatchSize} must be a multiple of the {workers} workers (it is the batch over all of them)");
        Require(GradAccum >= 1, $"--grad-accum must be at least 1, got {GradAccum}");
        Require(SeqLen >= 2, $"--seq-len must be at least 2, got {SeqLen}");
        Require(LearningRate > 0, $"--lr must be positive, got {LearningRate}");
        Require(Warmup >= 0, $"--warmup must not be negative, got {Warmup}");
        Require(WeightDecay >= 0, $"--weight-decay must not be negative, got {WeightDecay}");
        Require(ClipNorm >= 0, $"--clip must not be negative, got {ClipNorm}");
        Require(EvalEvery >= 0, $"--eval-every must not be negative, got {EvalEvery}");
        Require(ValidationFraction is >= 0 and < 1, $"--val-fraction must be in [0, 1), got {ValidationFraction}");
        Require(CheckpointEvery >= 1, $"--checkpoint-every must be at least 1, got {CheckpointEvery}");
        Require(ChecksumEvery >= 1, $"--checksum-every must be at least 1, got {ChecksumEvery}");
        Require(FimRate is >= 0 and <= 1 && FimSpmRate is >= 0 and <= 1, "--fim-rate and --fim-spm-rate must be in [0, 1]");
        Require(TargetModules.Count > 0, "--target-modules must name at least one module");
    }
}
