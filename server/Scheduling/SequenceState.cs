using System.Threading.Channels;
using CodeGen.Model.Sampling;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Decoding;
using CodeGen.Server.Engine;

namespace CodeGen.Server.Scheduling;

/// <summary>A running or waiting sequence: its tokens, progress through them, its sampler and its output channel.</summary>
internal sealed class SequenceState
{
    private Action? _releaseAdmission;

    public SequenceState(long id, GenerationJob job, Channel<TokenEvent> output, BpeTokenizer? tokenizer, CancellationToken cancellation,
        DateTime deadline, Action releaseAdmission, SequenceState? parent = null, EngineMetrics? metrics = null)
    {
        Id = id;
        Job = job;
        Output = output;
        Cancellation = cancellation;
        Deadline = deadline;
        Parent = parent;
        _releaseAdmission = releaseAdmission;
        Tokens = [.. job.PromptIds];
        if (job.Constraint is { } constraint && tokenizer is not null)
            Constraint = new SyntaxTokenConstraint(constraint.Language.Begin(constraint.Context), tokenizer, job.StopTokenIds, metrics,
                constraint.Close ? job.MaxTokens : null);
        Sampler = new Sampler(job.Sampling, job.PromptIds, Constraint);
        Decoder = tokenizer?.CreateStreamingDecoder(skipSpecialTokens: true);
        Stops = new StopSequenceMatcher(job.StopSequences);
        Enqueued = DateTime.UtcNow;
    }

    /// <summary>The sequence's id in the backend's KV memory.</summary>
    public long Id { get; }

    public GenerationJob Job { get; }

    public Channel<TokenEvent> Output { get; }

    public CancellationToken Cancellation { get; }

    public DateTime Deadline { get; }

    public DateTime Enqueued { get; }

    public DateTime? LastTokenAt { get; set; }

    /// <summary>The first choice of the same request (n &gt; 1): this one forks its prompt's KV instead of computing it.</summary>
    public SequenceState? Parent { get; }

    /// <summary>Prompt and generated tokens so far.</summary>
    public List<int> Tokens { get; }

    public int PromptLength => Job.PromptIds.Count;

    public Sampler Sampler { get; }

    /// <summary>The syntax constraint in the sampler's slot, or null.</summary>
    public SyntaxTokenConstraint? Constraint { get; }

    /// <summary>Proposed tokens to verify after the pending one in the next step (speculative decoding); empty for plain decoding.</summary>
    public List<int> Drafts { get; } = [];

    /// <summary>The draft distributions of <see cref="Drafts"/> (null entries: a deterministic proposal such as an n-gram's).</summary>
    public List<TokenDistribution?> DraftDistributions { get; } = [];

    /// <summary>Drafts to propose next time, adapted to the recent acceptance (speculative decoding).</summary>
    public int DraftLength { get; set; } = 4;

    /// <summary>Characters of generated text streamed so far (where a completed constraint cuts the text).</summary>
    public int TextLength { get; set; }

    public StreamingDecoder? Decoder { get; }

    public StopSequenceMatcher Stops { get; }

    /// <summary>Whether the sequence holds KV memory (admitted and not finished or preempted).</summary>
    public bool IsRunning { get; set; }

    /// <summary>Whether the sequence has ended (its last event was written).</summary>
    public bool IsFinished { get; private set; }

    /// <summary>Tokens already in the KV cache.</summary>
    public int Computed { get; set; }

    public int Generated { get; set; }

    /// <summary>Tokens not yet in the KV cache (the prompt's rest while prefilling, then the last sampled token).</summary>
    public int Pending => Tokens.Count - Computed;

    /// <summary>Whether the request was cancelled by its client or ran past its deadline.</summary>
    public string? AbortReason => Cancellation.IsCancellationRequested ? "cancelled" : DateTime.UtcNow > Deadline ? "timeout" : null;

    /// <summary>Marks the sequence ended and gives its admission back to the engine (once, whichever way it ended).</summary>
    public void MarkFinished()
    {
        IsFinished = true;
        Interlocked.Exchange(ref _releaseAdmission, null)?.Invoke();
    }
}
