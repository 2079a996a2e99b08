using System.Threading.Channels;
using CodeGen.Model.Sampling;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Engine;

namespace CodeGen.Server.Scheduling;

/// <summary>A running or waiting sequence: its tokens, progress through the prompt, and its output channel.</summary>
internal sealed class SequenceState
{
    public SequenceState(GenerationJob job, Channel<TokenEvent> output, BpeTokenizer? tokenizer, CancellationToken cancellation, DateTime deadline)
    {
        Job = job;
        Output = output;
        Cancellation = cancellation;
        Deadline = deadline;
        Tokens = [.. job.PromptIds];
        Sampler = new Sampler(job.Sampling);
        Decoder = tokenizer?.CreateStreamingDecoder(skipSpecialTokens: true);
        Stops = new StopSequenceMatcher(job.StopSequences);
        Enqueued = DateTime.UtcNow;
    }

    public GenerationJob Job { get; }

    public Channel<TokenEvent> Output { get; }

    public CancellationToken Cancellation { get; }

    public DateTime Deadline { get; }

    public DateTime Enqueued { get; }

    public DateTime? LastTokenAt { get; set; }

    /// <summary>Prompt and generated tokens so far.</summary>
    public List<int> Tokens { get; }

    public Sampler Sampler { get; }

    public StreamingDecoder? Decoder { get; }

    public StopSequenceMatcher Stops { get; }

    /// <summary>The KV-cache slot, or -1 while waiting.</summary>
    public int Slot { get; set; } = -1;

    /// <summary>Tokens already in the KV cache.</summary>
    public int Computed { get; set; }

    public int Generated { get; set; }

    /// <summary>Tokens not yet in the KV cache (the prompt's rest while prefilling, then the last sampled token).</summary>
    public int Pending => Tokens.Count - Computed;

    /// <summary>Whether the request was cancelled by its client or ran past its deadline.</summary>
    public string? AbortReason => Cancellation.IsCancellationRequested ? "cancelled" : DateTime.UtcNow > Deadline ? "timeout" : null;
}
