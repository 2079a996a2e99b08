using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Several projections of the same input (q/k/v, or gate/up) kept in one column-major storage (in, Σout), so
/// that inference runs them as one matrix product: fewer, longer weight streams per token and fewer calls.
/// Each projection stays a <see cref="Linear"/> with its own checkpoint name whose weight and bias are views
/// into the shared storage, so loading, saving, optimiser steps and LoRA merges (all in place) keep the
/// fused matrix current. Training with gradients, or a projection with an unmerged LoRA update, takes the
/// per-projection path instead.
/// </summary>
internal sealed class FusedProjection : IDisposable
{
    private readonly Tensor _weight; // (Σout, in), strides (1, Σout)
    private readonly Tensor? _bias; // (Σout)

    /// <summary>Reads "{name}.weight" (and "{name}.bias" if <paramref name="bias"/>) for each (name, out) part.</summary>
    public FusedProjection(IReadOnlyList<(string Name, long OutFeatures)> parts, long inFeatures, bool bias, IWeightSource source)
    {
        long total = parts.Sum(p => p.OutFeatures);
        using (no_grad())
        {
            Tensor first = source.Get(parts[0].Name + ".weight", [parts[0].OutFeatures, inFeatures], WeightKind.Matrix);
            var storage = empty([inFeatures, total], first.dtype, first.device);
            Tensor? biasStorage = null;
            long offset = 0;
            var linears = new Linear[parts.Count];
            for (int i = 0; i < parts.Count; i++)
            {
                (string name, long width) = parts[i];
                using (Tensor weight = i == 0 ? first : source.Get(name + ".weight", [width, inFeatures], WeightKind.Matrix))
                {
                    storage.narrow(1, offset, width).copy_(weight.t());
                }
                Tensor? biasView = null;
                if (bias)
                {
                    using Tensor b = source.Get(name + ".bias", [width], WeightKind.Bias);
                    biasStorage ??= empty([total], b.dtype, b.device);
                    biasView = biasStorage.narrow(0, offset, width);
                    biasView.copy_(b);
                }
                linears[i] = new Linear(name, storage.narrow(1, offset, width).t(), biasView);
                offset += width;
            }
            _weight = storage.t();
            storage.Dispose(); // the views keep the memory
            _bias = biasStorage;
            Parts = linears;
        }
    }

    /// <summary>The projections in order.</summary>
    public IReadOnlyList<Linear> Parts { get; }

    /// <summary>Whether the fused product gives exactly what the parts would: no LoRA attached, no gradient needed.</summary>
    public bool CanFuse => Parts.All(p => !p.HasLora) &&
        (!is_grad_enabled() || Parts.All(p => !p.Weight.requires_grad && p.Bias is not { requires_grad: true }));

    /// <summary>(..., in) → (..., Σout): every part's output side by side, in order.</summary>
    public Tensor Forward(Tensor x) => nn.functional.linear(x, _weight, _bias);

    /// <inheritdoc />
    public void Dispose()
    {
        _weight.Dispose();
        _bias?.Dispose();
    }
}
