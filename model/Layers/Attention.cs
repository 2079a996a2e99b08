using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Multi-head attention with grouped-query KV heads and RoPE. With a cache, new keys/values are written into
/// each sequence's slot and queries attend to everything the slot holds; query heads sharing a KV head are
/// folded into the query-length axis so no K/V copy per query head is needed.
/// </summary>
public sealed class Attention : nn.Module
{
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly FusedProjection _qkv;

    /// <summary>Reads q/k/v/o projections under <paramref name="prefix"/>.</summary>
    public Attention(string prefix, ModelConfig config, IWeightSource source) : base(prefix)
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
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

    internal Tensor Forward(Tensor x, AttentionBatch batch, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        int group = _heads / _kvHeads;
        Tensor q, k, v;
        if (_qkv.CanFuse)
        {
            // One product for q, k and v; RoPE rotates the q and k heads in one pass.
            Tensor heads = _qkv.Forward(x).view(b, t, _heads + 2 * _kvHeads, _headDim);
            Tensor qk = RotaryEmbedding.Apply(heads.narrow(2, 0, _heads + _kvHeads).transpose(1, 2), batch.Cos, batch.Sin);
            q = qk.narrow(1, 0, _heads); // (B, H, T, D)
            k = qk.narrow(1, _heads, _kvHeads); // (B, Hkv, T, D)
            v = heads.narrow(2, _heads + _kvHeads, _kvHeads).transpose(1, 2); // (B, Hkv, T, D)
        }
        else
        {
            q = QProj.Forward(x).view(b, t, _heads, _headDim).transpose(1, 2); // (B, H, T, D)
            k = KProj.Forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2); // (B, Hkv, T, D)
            v = VProj.Forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2); // (B, Hkv, T, D)
            q = RotaryEmbedding.Apply(q, batch.Cos, batch.Sin);
            k = RotaryEmbedding.Apply(k, batch.Cos, batch.Sin);
        }
        Tensor output;
        if (batch.Cache is null)
        {
            // Training / full forward: every query head gets its KV head; causal mask.
            Tensor kf = k.repeat_interleave(group, dim: 1); // (B, H, T, D)
            Tensor vf = v.repeat_interleave(group, dim: 1);
            output = nn.functional.scaled_dot_product_attention(q, kf, vf, is_casual: t > 1); // (B, H, T, D)
        }
        else
        {
            Tensor keysAll = batch.Cache.Keys(layer), valuesAll = batch.Cache.Values(layer); // (S, Hkv, C, D)
            Tensor keys, values; // (B, Hkv, L, D)
            if (b == 1)
            {
                // One sequence: its slot's rows are a view; the new keys/values land in it in place.
                keys = keysAll.narrow(0, batch.Slots[0], 1).narrow(2, 0, batch.KeyLength);
                values = valuesAll.narrow(0, batch.Slots[0], 1).narrow(2, 0, batch.KeyLength);
                keys.narrow(2, batch.Starts[0], batch.Counts[0]).copy_(k);
                values.narrow(2, batch.Starts[0], batch.Counts[0]).copy_(v);
            }
            else
            {
                for (int i = 0; i < b; i++)
                {
                    int slot = batch.Slots[i], start = batch.Starts[i], count = batch.Counts[i];
                    keysAll[slot].narrow(1, start, count).copy_(k[i].narrow(1, 0, count));
                    valuesAll[slot].narrow(1, start, count).copy_(v[i].narrow(1, 0, count));
                }
                keys = keysAll.narrow(2, 0, batch.KeyLength).index_select(0, batch.SlotIndex!);
                values = valuesAll.narrow(2, 0, batch.KeyLength).index_select(0, batch.SlotIndex!);
            }
            Tensor folded = q.reshape(b, _kvHeads, group * t, _headDim); // (B, Hkv, g·T, D): row gi·T + t
            Tensor attended = nn.functional.scaled_dot_product_attention(folded, keys, values, batch.Mask);
            output = attended.view(b, _heads, t, _headDim); // (B, H, T, D)
        }
        Tensor merged = output.transpose(1, 2).reshape(b, t, _heads * _headDim); // (B, T, H·D)
        return OProj.Forward(merged).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _qkv.Dispose();
        base.Dispose(disposing);
    }
}
