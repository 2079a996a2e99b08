using Prometheus;

namespace CodeGen.Server.Engine;

/// <summary>The server's Prometheus metrics, in a registry of its own (one per server instance).</summary>
internal sealed class EngineMetrics
{
    private readonly Counter _requests;
    private readonly Gauge _queue;
    private readonly Gauge _running;
    private readonly Gauge _kvUsed;
    private readonly Gauge _kvUsage;
    private readonly Counter _tokens;
    private readonly Counter _reused;
    private readonly Counter _finished;
    private readonly Histogram _ttft;
    private readonly Histogram _itl;

    public EngineMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        MetricFactory f = Metrics.WithCustomRegistry(Registry);
        _requests = f.CreateCounter("codegen_requests_total", "HTTP API requests by status code.", "status");
        _queue = f.CreateGauge("codegen_queue_depth", "Requests waiting for a KV-cache slot.");
        _running = f.CreateGauge("codegen_running_batch_size", "Sequences in the running batch.");
        _kvUsed = f.CreateGauge("codegen_kv_cache_slots_used", "KV-cache slots held by running sequences.");
        _kvUsage = f.CreateGauge("codegen_kv_cache_usage_ratio", "Fraction of KV-cache slots held by running sequences.");
        _tokens = f.CreateCounter("codegen_generated_tokens_total", "Tokens generated.");
        _reused = f.CreateCounter("codegen_prefix_cache_reused_tokens_total", "Prompt tokens served from the prefix cache instead of recomputed.");
        _finished = f.CreateCounter("codegen_sequences_finished_total", "Sequences finished, by reason.", "reason");
        double[] buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
        _ttft = f.CreateHistogram("codegen_time_to_first_token_seconds", "Time from arrival to the first generated token.", new HistogramConfiguration { Buckets = buckets });
        _itl = f.CreateHistogram("codegen_inter_token_latency_seconds", "Time between successive tokens of a sequence.", new HistogramConfiguration { Buckets = buckets });
        // Exported at 0 (prometheus-net publishes unlabelled series from creation) until those decoders exist.
        f.CreateGauge("codegen_speculative_acceptance_rate", "Accepted / proposed draft tokens (0 until speculative decoding is enabled).");
        f.CreateCounter("codegen_constraint_rejections_total", "Tokens rejected by decoding constraints (0 until constraints are enabled).");
    }

    public CollectorRegistry Registry { get; }

    public double KvSlotsUsed => _kvUsed.Value;

    public void Request(int status) => _requests.WithLabels(status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();

    public void Scheduled(int waiting, int running, int slotsUsed, int slotsTotal)
    {
        _queue.Set(waiting);
        _running.Set(running);
        _kvUsed.Set(slotsUsed);
        _kvUsage.Set((double)slotsUsed / slotsTotal);
    }

    public void QueueDepth(int waiting) => _queue.Set(waiting);

    public void TokenGenerated() => _tokens.Inc();

    public void PromptTokensReused(int count) => _reused.Inc(count);

    public void FirstToken(TimeSpan elapsed) => _ttft.Observe(elapsed.TotalSeconds);

    public void InterToken(TimeSpan elapsed) => _itl.Observe(elapsed.TotalSeconds);

    public void Finished(string reason) => _finished.WithLabels(reason).Inc();
}
