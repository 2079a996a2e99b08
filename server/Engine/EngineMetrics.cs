using Prometheus;

namespace CodeGen.Server.Engine;

/// <summary>The server's Prometheus metrics, in a registry of its own (one per server instance). A series appears with its feature.</summary>
internal sealed class EngineMetrics
{
    private readonly Counter _requests;
    private readonly Gauge _queue;
    private readonly Gauge _running;
    private readonly Gauge _blocksTotal;
    private readonly Gauge _blocksUsed;
    private readonly Gauge _blockSize;
    private readonly Counter _tokens;
    private readonly Counter _prefill;
    private readonly Counter _prefixHits;
    private readonly Counter _preemptions;
    private readonly Counter _finished;
    private readonly Histogram _ttft;
    private readonly Histogram _itl;
    private readonly Counter _draftTokens;
    private readonly Counter _acceptedTokens;
    private readonly Counter _rejections;
    private readonly Histogram _constraintTime;
    private readonly Histogram _constraintTokenTime;
    private readonly Histogram _stepTime;

    public EngineMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        MetricFactory f = Metrics.WithCustomRegistry(Registry);
        _requests = f.CreateCounter("codegen_requests_total", "HTTP API requests by status code.", "status");
        _queue = f.CreateGauge("codegen_queue_depth", "Sequences waiting to run.");
        _running = f.CreateGauge("codegen_running_batch_size", "Sequences in the running batch.");
        _blocksTotal = f.CreateGauge("codegen_kv_cache_blocks_total", "Blocks in the paged KV cache.");
        _blocksUsed = f.CreateGauge("codegen_kv_cache_blocks_used", "KV blocks held by running sequences.");
        _blockSize = f.CreateGauge("codegen_kv_cache_block_size_tokens", "Positions per KV block.");
        _tokens = f.CreateCounter("codegen_generated_tokens_total", "Tokens generated.");
        _prefill = f.CreateCounter("codegen_prefill_tokens_total", "Prompt tokens computed by the model (not served from shared blocks).");
        _prefixHits = f.CreateCounter("codegen_prefix_cache_hit_tokens_total", "Prompt tokens whose KV came from shared blocks (prefix cache or a sibling sample) instead of being computed.");
        _preemptions = f.CreateCounter("codegen_preemptions_total", "Running sequences preempted (KV released, requeued) because the KV cache was full.");
        _finished = f.CreateCounter("codegen_sequences_finished_total", "Sequences finished, by reason.", "reason");
        double[] buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
        _ttft = f.CreateHistogram("codegen_time_to_first_token_seconds", "Time from arrival to the first generated token.", new HistogramConfiguration { Buckets = buckets });
        _itl = f.CreateHistogram("codegen_inter_token_latency_seconds", "Time between successive tokens of a sequence.", new HistogramConfiguration { Buckets = buckets });
        _draftTokens = f.CreateCounter("codegen_spec_draft_tokens_total", "Tokens proposed by speculative decoding (draft model or n-gram) and verified by the target.");
        _acceptedTokens = f.CreateCounter("codegen_spec_accepted_tokens_total", "Proposed tokens the target accepted.");
        _rejections = f.CreateCounter("codegen_constraint_rejections_total", "Candidate tokens a syntax constraint rejected.");
        _constraintTime = f.CreateHistogram("codegen_constraint_check_seconds", "Time of one syntax-constraint check of a candidate token.",
            new HistogramConfiguration { Buckets = [0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05] });
        // Fine buckets (2 µs to ~0.1 s, ×1.25) so that a median and a p99 can be read from them to within a quarter.
        double[] fine = Histogram.ExponentialBuckets(0.000002, 1.25, 49);
        _constraintTokenTime = f.CreateHistogram("codegen_constraint_token_seconds",
            "Syntax-constraint time per generated token: every check made to choose it (rejected candidates included) and the append of the kept text.",
            new HistogramConfiguration { Buckets = fine });
        _stepTime = f.CreateHistogram("codegen_engine_step_seconds", "Time of one engine step: the batch's forward pass, sampling and constraint checks.",
            new HistogramConfiguration { Buckets = fine });
    }

    public CollectorRegistry Registry { get; }

    public double BlocksUsed => _blocksUsed.Value;

    public double PrefixCacheHitTokens => _prefixHits.Value;

    public double PrefillTokensComputed => _prefill.Value;

    public double Preemptions => _preemptions.Value;

    public double FinishedWith(string reason) => _finished.WithLabels(reason).Value;

    public void Request(int status) => _requests.WithLabels(status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();

    public void KvCacheShape(int blocks, int blockSize)
    {
        _blocksTotal.Set(blocks);
        _blockSize.Set(blockSize);
    }

    public void Scheduled(int waiting, int running, int blocksUsed)
    {
        _queue.Set(waiting);
        _running.Set(running);
        _blocksUsed.Set(blocksUsed);
    }

    public void TokenGenerated() => _tokens.Inc();

    public void PrefillTokens(int count) => _prefill.Inc(count);

    public void PrefixCacheHit(int tokens)
    {
        if (tokens > 0) _prefixHits.Inc(tokens);
    }

    public void Preempted() => _preemptions.Inc();

    public void FirstToken(TimeSpan elapsed) => _ttft.Observe(elapsed.TotalSeconds);

    public void InterToken(TimeSpan elapsed) => _itl.Observe(elapsed.TotalSeconds);

    public void Finished(string reason) => _finished.WithLabels(reason).Inc();

    public double DraftTokens => _draftTokens.Value;

    public double AcceptedDraftTokens => _acceptedTokens.Value;

    public double ConstraintRejections => _rejections.Value;

    public void Speculated(int drafted, int accepted)
    {
        if (drafted == 0) return;
        _draftTokens.Inc(drafted);
        _acceptedTokens.Inc(accepted);
    }

    public void ConstraintCheck(TimeSpan elapsed, bool viable)
    {
        _constraintTime.Observe(elapsed.TotalSeconds);
        if (!viable) _rejections.Inc();
    }

    /// <summary>The constraint's time for one generated token.</summary>
    public void ConstraintTokenTime(TimeSpan elapsed) => _constraintTokenTime.Observe(elapsed.TotalSeconds);

    /// <summary>One engine step's time.</summary>
    public void StepTime(TimeSpan elapsed) => _stepTime.Observe(elapsed.TotalSeconds);

    /// <summary>A rejection decided without a check (a special token, which is not code).</summary>
    public void ConstraintRejected() => _rejections.Inc();
}
