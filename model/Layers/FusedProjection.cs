using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Several projections of the same input (q/k/v, or gate/up) kept in one storage (column-major (in, Σout) or
/// row-major (Σout, in), as <see cref="WeightLayout"/> prefers), so that inference runs them as one matrix
/// product: fewer, longer weight streams per token and fewer calls.
/// Each projection stays a <see cref="Linear"/> with its own checkpoint name whose weight and bias are views
/// into the shared storage, so loading, saving, optimiser steps and LoRA merges (all in place) keep the
/// fused matrix current. Training with gradients, or a projection with an unmerged LoRA update, takes the
/// per-projection path instead.
/// </summary>
internal sealed class FusedProjection : IDisposable
{
    private readonly Tensor _weight; // (Σout, in)
    private readonly Tensor? _bias; // (Σout)
    private readonly Linear[] _parts;

    /// <summary>Reads "{name}.weight" (and "{name}.bias" if <paramref name="bias"/>) for each (name, out) part.</summary>
    public FusedProjection(IReadOnlyList<(string Name, long OutFeatures)> parts, long inFeatures, bool bias, IWeightSource source)
    {
        long total = parts.Sum(p => p.OutFeatures);
        using (no_grad())
        {
            Tensor first = source.Get(parts[0].Name + ".weight", [parts[0].OutFeatures, inFeatures], WeightKind.Matrix);
            bool columnMajor = WeightLayout.PrefersColumnMajor(total, inFeatures, first.dtype, first.device);
            // Column-major: (in, Σout) storage, part i = columns [offset, offset + width) seen transposed.
            // Row-major: (Σout, in) storage, part i = rows [offset, offset + width).
            var storage = columnMajor ? empty([inFeatures, total], first.dtype, first.device) : empty([total, inFeatures], first.dtype, first.device);
            Tensor? biasStorage = null;
            long offset = 0;
            var linears = new Linear[parts.Count];
            for (int i = 0; i < parts.Count; i++)
            {
                (string name, long width) = parts[i];
                Tensor part; // (width, in)
                if (columnMajor)
                {
                    using Tensor columns = storage.narrow(1, offset, width);
                    part = columns.t();
                }
                else
                {
                    part = storage.narrow(0, offset, width);
                }

                using (Tensor weight = i == 0 ? first : source.Get(name + ".weight", [width, inFeatures], WeightKind.Matrix))
                {
                    part.copy_(weight);
                }
                Tensor? biasView = null;
                if (bias)
                {
                    using Tensor b = source.Get(name + ".bias", [width], WeightKind.Bias);
                    biasStorage ??= empty([total], b.dtype, b.device);
                    biasView = biasStorage.narrow(0, offset, width);
                    biasView.copy_(b);
                }
                linears[i] = new Linear(name, part, biasView);
                offset += width;
            }
            if (columnMajor)
            {
                _weight = storage.t();
                storage.Dispose(); // the views keep the memory
            }
            else
            {
                _weight = storage;
            }
            _bias = biasStorage;
            _parts = linears;
        }
    }

    /// <summary>The projections in order.</summary>
    public IReadOnlyList<Linear> Parts => _parts;

    /// <summary>Whether the fused product gives exactly what the parts would: no LoRA attached, no gradient needed.</summary>
    // Checked on every forward (the decode loop), so a plain loop rather than LINQ.
    public bool CanFuse
    {
        get
        {
            bool gradients = is_grad_enabled();
            foreach (Linear part in _parts)
            {
                if (part.HasLora || gradients && (part.Weight.requires_grad || part.Bias is { requires_grad: true }))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>(..., in) → (..., Σout): every part's output side by side, in order.</summary>
    public Tensor Forward(Tensor x) => nn.functional.linear(x, _weight, _bias);

    /// <summary>
    /// The fused product, then each part's adapter updates (<see cref="Linear.Forward(Tensor, LoraRouting?)"/>) added
    /// into its columns; an adapter's rows are gathered once for all the parts it adapts.
    /// </summary>
    public Tensor Forward(Tensor x, LoraRouting? adapters)
    {
        Tensor y = Forward(x);
        if (adapters is null) return y;
        foreach (AdapterRows rows in adapters.Adapters)
        {
            Tensor? input = null; // (..., n, in), gathered on first use
            long offset = 0;
            foreach (Linear part in _parts)
            {
                if (part.HoldsAdapter(rows.Slot))
                {
                    input ??= rows.Gather(x);
                    using Tensor columns = y.narrow(-1, offset, part.OutFeatures);
                    part.AddAdapterUpdate(columns, input, rows);
                }
                offset += part.OutFeatures;
            }
            input?.Dispose();
        }
        return y;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _weight.Dispose();
        _bias?.Dispose();
    }
}
