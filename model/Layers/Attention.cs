using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Multi-head attention with grouped-query KV heads and RoPE. Over a paged KV cache, each sequence's new keys and
/// values are written into its blocks, and its queries attend to the blocks it holds through views of the pool:
/// no sequence's KV is copied to attend over it. Query heads sharing a KV head are folded into the query-length
/// axis, so no K/V copy per query head is needed either.
/// </summary>
public sealed class Attention : nn.Module
{
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly double _scale;
    private readonly FusedProjection _qkv;

    /// <summary>Reads q/k/v/o projections under <paramref name="prefix"/>.</summary>
    public Attention(string prefix, ModelConfig config, IWeightSource source) : base(prefix)
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _scale = 1.0 / Math.Sqrt(_headDim);
        _qkv = new FusedProjection(
            [(prefix + ".q_proj", _heads * _headDim), (prefix + ".k_proj", _kvHeads * _headDim), (prefix + ".v_proj", _kvHeads * _headDim)],
            config.HiddenSize, config.AttentionBias, source);
        QProj = _qkv.Parts[0];
        KProj = _qkv.Parts[1];
        VProj = _qkv.Parts[2];
        OProj = new Linear(prefix + ".o_proj", _heads * _headDim, config.HiddenSize, config.OutputBias, source);
        register_module("q_proj", QProj);
        register_module("k_proj", KProj);
        register_module("v_proj", VProj);
        register_module("o_proj", OProj);
    }

    /// <summary>Query projection.</summary>
    public Linear QProj { get; }

    /// <summary>Key projection.</summary>
    public Linear KProj { get; }

    /// <summary>Value projection.</summary>
    public Linear VProj { get; }

    /// <summary>Output projection.</summary>
    public Linear OProj { get; }

    private int Group => _heads / _kvHeads;

    internal Tensor Forward(Tensor x, AttentionBatch batch, int layer)
    {
        using var scope = NewDisposeScope();
        (Tensor q, Tensor k, Tensor v) = ProjectAndRotate(x, batch); // (B, H, T, D), (B, Hkv, T, D) ×2
        Tensor merged = batch.Cache is null
            ? CausalAttention(q, k, v) // (B, T, H·D)
            : CachedAttention(q[0], k[0], v[0], batch, layer).unsqueeze(0); // packed: B = 1, T = N
        return OProj.Forward(merged, batch.Adapters).MoveToOuterDisposeScope();
    }

    // q, k, v as (B, heads, T, D) with RoPE applied to q and k: one product and one rotation for q and k together
    // when the weights allow it.
    private (Tensor Q, Tensor K, Tensor V) ProjectAndRotate(Tensor x, AttentionBatch batch)
    {
        long b = x.shape[0], t = x.shape[1];
        if (_qkv.CanFuse)
        {
            Tensor heads = _qkv.Forward(x, batch.Adapters).view(b, t, _heads + 2 * _kvHeads, _headDim).transpose(1, 2); // (B, H+2Hkv, T, D)
            Tensor qk = RotaryEmbedding.Apply(heads.narrow(1, 0, _heads + _kvHeads), batch.Cos, batch.Sin);
            return (qk.narrow(1, 0, _heads), qk.narrow(1, _heads, _kvHeads), heads.narrow(1, _heads + _kvHeads, _kvHeads));
        }
        Tensor q = QProj.Forward(x, batch.Adapters).view(b, t, _heads, _headDim).transpose(1, 2);
        Tensor k = KProj.Forward(x, batch.Adapters).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        Tensor v = VProj.Forward(x, batch.Adapters).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        return (RotaryEmbedding.Apply(q, batch.Cos, batch.Sin), RotaryEmbedding.Apply(k, batch.Cos, batch.Sin), v);
    }

    // Training / full forward: every query head gets its KV head; causal mask. Returns (B, T, H·D).
    private Tensor CausalAttention(Tensor q, Tensor k, Tensor v)
    {
        long b = q.shape[0], t = q.shape[2];
        Tensor kf = k.repeat_interleave(Group, dim: 1); // (B, H, T, D)
        Tensor vf = v.repeat_interleave(Group, dim: 1);
        Tensor output = nn.functional.scaled_dot_product_attention(q, kf, vf, is_casual: t > 1); // (B, H, T, D)
        return output.transpose(1, 2).reshape(b, t, _heads * _headDim);
    }

    // Packed rows over the paged cache: q (H, N, D), k and v (Hkv, N, D). Returns (N, H·D).
    private Tensor CachedAttention(Tensor q, Tensor k, Tensor v, AttentionBatch batch, int layer)
    {
        Tensor keyPool = batch.Cache!.Keys(layer), valuePool = batch.Cache.Values(layer); // (Hkv, P, D)
        if (batch.WriteSpans is { } spans)
        {
            foreach (PoolSpan w in spans) // a lone sequence: one copy into a view of its blocks
            {
                keyPool.narrow(1, w.PoolStart, w.Length).copy_(k.narrow(1, w.Row, w.Length));
                valuePool.narrow(1, w.PoolStart, w.Length).copy_(v.narrow(1, w.Row, w.Length));
            }
        }
        else
        {
            keyPool.index_copy_(1, batch.WritePositions!, k); // every sequence's new keys and values in one operation each
            valuePool.index_copy_(1, batch.WritePositions!, v);
        }
        if (batch.Gathered is { } gathered) return GatheredAttention(q, keyPool, valuePool, gathered);
        var outputs = new Tensor[batch.Sequences.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            CachedSequence s = batch.Sequences[i];
            Tensor folded = q.narrow(1, s.Offset, s.Count).reshape(_kvHeads, Group * s.Count, _headDim); // (Hkv, g·T, D): row gi·T + t
            Tensor attended = s.Reads.Count == 1
                ? nn.functional.scaled_dot_product_attention(folded,
                    keyPool.narrow(1, s.Reads[0].PoolStart, s.Length), valuePool.narrow(1, s.Reads[0].PoolStart, s.Length), s.Mask)
                : AttendOverRuns(folded, keyPool, valuePool, s);
            outputs[i] = attended.view(_heads, s.Count, _headDim).transpose(0, 1).reshape(s.Count, _heads * _headDim); // (T, H·D)
        }
        return outputs.Length == 1 ? outputs[0] : cat(outputs, 0);
    }

    // One new token per sequence: gather each sequence's keys (padded to the longest) and attend in one call.
    // q (H, B, D) → (B, H·D).
    private Tensor GatheredAttention(Tensor q, Tensor keyPool, Tensor valuePool, GatheredDecode gathered)
    {
        long b = q.shape[1];
        Tensor keys = keyPool.index_select(1, gathered.Positions).view(_kvHeads, b, gathered.Length, _headDim).transpose(0, 1); // (B, Hkv, L, D)
        Tensor values = valuePool.index_select(1, gathered.Positions).view(_kvHeads, b, gathered.Length, _headDim).transpose(0, 1);
        Tensor folded = q.transpose(0, 1).reshape(b, _kvHeads, Group, _headDim); // (B, Hkv, g, D): head kv·g + gi
        Tensor attended = nn.functional.scaled_dot_product_attention(folded, keys, values, gathered.Mask); // (B, Hkv, g, D)
        return attended.reshape(b, _heads * _headDim);
    }

    // A sequence whose blocks are not consecutive (shared prefix blocks, then its own): scores against each run of
    // the pool, one softmax over them all, and the value runs weighted by their part of it. No K/V is gathered.
    private Tensor AttendOverRuns(Tensor folded, Tensor keyPool, Tensor valuePool, CachedSequence s)
    {
        var scores = new Tensor[s.Reads.Count];
        for (int r = 0; r < scores.Length; r++)
        {
            PoolSpan run = s.Reads[r];
            scores[r] = folded.matmul(keyPool.narrow(1, run.PoolStart, run.Length).transpose(1, 2)); // (Hkv, g·T, run)
        }
        Tensor all = cat(scores, -1).mul(_scale); // (Hkv, g·T, L)
        if (s.Mask is not null) all = all.masked_fill(s.Mask.logical_not(), double.NegativeInfinity);
        Tensor weights = all.softmax(-1).to(folded.dtype);
        Tensor output = zeros_like(folded);
        foreach (PoolSpan run in s.Reads)
        {
            output.add_(weights.narrow(-1, run.Row, run.Length).matmul(valuePool.narrow(1, run.PoolStart, run.Length)));
        }
        return output; // (Hkv, g·T, D)
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _qkv.Dispose();
        base.Dispose(disposing);
    }
}
