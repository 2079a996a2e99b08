using TorchSharp;
using TorchSharp.Modules;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// y = x Wᵀ + b, optionally plus a LoRA update (alpha / r) · (dropout(x) Aᵀ) Bᵀ. The same module serves inference
/// (frozen W) and LoRA fine-tuning (trainable A, B). The factors may be held in another dtype than W (float32
/// factors over bfloat16 base weights while training): the update is computed in the factors' dtype and added in W's.
/// Beside that one attached update, serving keeps any number of adapters in numbered slots (<see cref="AddAdapter"/>),
/// applied per row of a packed batch by <see cref="Forward(Tensor, LoraRouting?)"/>: several adapters served side by
/// side over one base product.
/// </summary>
public sealed class Linear : nn.Module
{
    private Parameter? _loraA; // (r, in)
    private Parameter? _loraB; // (out, r)
    private double _loraScale;
    private double _loraDropout;
    private Generator? _loraDropoutRandom;
    private Dictionary<int, SlotFactors>? _slots; // serving: adapter slot -> its factors, unmerged

    /// <summary>Builds the layer from <paramref name="source"/>, reading "{prefix}.weight" and, if <paramref name="bias"/>, "{prefix}.bias".</summary>
    public Linear(string prefix, long inFeatures, long outFeatures, bool bias, IWeightSource source)
        : this(prefix, ReadWeight(prefix, inFeatures, outFeatures, source), bias ? source.Get(prefix + ".bias", [outFeatures], WeightKind.Bias) : null)
    {
    }

    /// <summary>Wraps a weight (out, in) and bias (out), e.g. views into a <see cref="FusedProjection"/>'s storage; takes ownership of the handles.</summary>
    internal Linear(string name, Tensor weight, Tensor? bias) : base(name)
    {
        InFeatures = weight.shape[1];
        OutFeatures = weight.shape[0];
        Weight = new Parameter(weight, requires_grad: false);
        register_parameter("weight", Weight);
        if (bias is not null)
        {
            Bias = new Parameter(bias, requires_grad: false);
            register_parameter("bias", Bias);
        }
    }

    // The weight in the storage order WeightLayout prefers for it.
    private static Tensor ReadWeight(string prefix, long inFeatures, long outFeatures, IWeightSource source)
    {
        Tensor weight = source.Get(prefix + ".weight", [outFeatures, inFeatures], WeightKind.Matrix);
        return WeightLayout.PrefersColumnMajor(outFeatures, inFeatures, weight.dtype, weight.device) ? WeightLayout.ToColumnMajor(weight) : weight;
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>The weight matrix (out, in); stored column-major when <see cref="WeightLayout.PrefersColumnMajor"/> says so.</summary>
    public Parameter Weight { get; private set; }

    /// <summary>The bias (out), if any.</summary>
    public Parameter? Bias { get; }

    /// <summary>Whether a LoRA update is attached.</summary>
    public bool HasLora => _loraA is not null;

    /// <summary>Applies the layer to (..., in) and returns (..., out).</summary>
    public Tensor Forward(Tensor x)
    {
        if (_loraA is null || _loraB is null) return nn.functional.linear(x, Weight, Bias);
        using var scope = NewDisposeScope();
        Tensor y = nn.functional.linear(x, Weight, Bias);
        Tensor input = x.dtype == _loraA.dtype ? x : x.to(_loraA.dtype);
        // Dropout on the adapter's input only, and only while training (PEFT's lora_dropout).
        if (_loraDropout > 0 && training) input = Dropout(input);
        Tensor down = nn.functional.linear(input, _loraA); // (..., r)
        Tensor up = nn.functional.linear(down, _loraB); // (..., out)
        if (up.dtype != y.dtype) up = up.to(y.dtype);
        return y.add(up, alpha: _loraScale).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Applies the layer to (..., rows, in) and adds, on each row that <paramref name="adapters"/> routes to a slot
    /// this layer holds, that adapter's update scale · (x Aᵀ) Bᵀ. The base product is shared by every row.
    /// </summary>
    internal Tensor Forward(Tensor x, LoraRouting? adapters)
    {
        Tensor y = Forward(x);
        if (adapters is not null) AddAdapterUpdates(y, x, adapters);
        return y;
    }

    /// <summary>Adapter slots this layer holds factors for.</summary>
    public IReadOnlyCollection<int> AdapterSlots => _slots is null ? [] : _slots.Keys;

    /// <summary>
    /// Keeps adapter <paramref name="slot"/>'s factors A (r, in) and B (out, r), in the weights' dtype and device,
    /// unmerged and untrainable, with the update scaled by <paramref name="scale"/>; the layer takes ownership of both.
    /// </summary>
    /// <exception cref="ArgumentException">Factors of the wrong shape, a slot below 1, or a slot already held.</exception>
    internal void AddAdapter(int slot, Tensor a, Tensor b, double scale)
    {
        if (slot < 1) throw new ArgumentOutOfRangeException(nameof(slot), slot, "adapter slots start at 1 (0 is the base model)");
        if (a.shape.Length != 2 || b.shape.Length != 2 || a.shape[1] != InFeatures || b.shape[0] != OutFeatures || a.shape[0] != b.shape[1])
        {
            throw new ArgumentException(
                $"LoRA factors for {GetName()} must be A (r, {InFeatures}) and B ({OutFeatures}, r); got A [{string.Join(", ", a.shape)}], B [{string.Join(", ", b.shape)}]");
        }
        _slots ??= [];
        if (!_slots.TryAdd(slot, new SlotFactors(a, b, scale))) throw new ArgumentException($"{GetName()} already holds adapter slot {slot}");
    }

    // y (..., rows, out) += scale · (x Aᵀ) Bᵀ on the rows of each adapter present that this layer holds. y may be a view
    // (a part of a fused projection's output): it is updated in place.
    internal void AddAdapterUpdates(Tensor y, Tensor x, LoraRouting adapters)
    {
        if (_slots is null) return;
        foreach (AdapterRows rows in adapters.Adapters)
        {
            if (!_slots.ContainsKey(rows.Slot)) continue;
            using Tensor input = rows.Gather(x); // (..., n, in)
            AddAdapterUpdate(y, input, rows);
        }
    }

    /// <summary>Whether this layer holds factors for adapter <paramref name="slot"/>.</summary>
    internal bool HoldsAdapter(int slot) => _slots?.ContainsKey(slot) == true;

    // y's rows of one adapter += scale · (input Aᵀ) Bᵀ, input being those rows of x already gathered (a fused projection
    // gathers once for all its parts).
    internal void AddAdapterUpdate(Tensor y, Tensor input, AdapterRows rows)
    {
        if (_slots is null || !_slots.TryGetValue(rows.Slot, out SlotFactors? f)) return;
        long dim = input.dim() - 2;
        using Tensor down = nn.functional.linear(input, f.A); // (..., n, r)
        using Tensor up = nn.functional.linear(down, f.B); // (..., n, out)
        if (rows.Index is null)
        {
            using Tensor target = y.narrow(dim, rows.Start, rows.Count);
            target.add_(up, alpha: f.Scale);
        }
        else
        {
            y.index_add_(dim, rows.Index, up, f.Scale);
        }
    }

    // Inverted dropout drawn from the run's own generator when one was given (so that nothing else in the process moves
    // its masks), from torch's default generator otherwise.
    private Tensor Dropout(Tensor input)
    {
        if (_loraDropoutRandom is null) return nn.functional.dropout(input, _loraDropout, training: true);
        using Tensor draws = rand(input.shape, input.dtype, input.device, generator: _loraDropoutRandom);
        using Tensor keep = draws.ge(_loraDropout);
        return input.mul(keep).div_(1 - _loraDropout);
    }

    /// <summary>
    /// Attaches LoRA factors A (r, in) and B (out, r) with scale alpha / r; the layer takes ownership of both tensors.
    /// <paramref name="dropout"/> is the probability of dropping an input element of the update while the module is in
    /// training mode (never in eval mode), drawn from <paramref name="dropoutRandom"/> (torch's default generator if null).
    /// </summary>
    /// <exception cref="InvalidOperationException">A LoRA update is already attached.</exception>
    public void AttachLora(Tensor a, Tensor b, double alpha, bool trainable, double dropout = 0, Generator? dropoutRandom = null)
    {
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "LoRA dropout must be in [0, 1)");
        if (HasLora) throw new InvalidOperationException($"{GetName()} already has a LoRA update attached; merge it first");
        if (a.shape.Length != 2 || b.shape.Length != 2 || a.shape[1] != InFeatures || b.shape[0] != OutFeatures || a.shape[0] != b.shape[1])
        {
            throw new ArgumentException(
                $"LoRA factors for {GetName()} must be A (r, {InFeatures}) and B ({OutFeatures}, r); got A [{string.Join(", ", a.shape)}], B [{string.Join(", ", b.shape)}]");
        }
        _loraScale = alpha / a.shape[0];
        _loraDropout = dropout;
        _loraDropoutRandom = dropoutRandom;
        // A Parameter takes over the tensor's handle: a and b are invalid from here on.
        _loraA = new Parameter(a, trainable);
        _loraB = new Parameter(b, trainable);
        register_parameter("lora_A", _loraA);
        register_parameter("lora_B", _loraB);
    }

    /// <summary>Folds the attached LoRA update into W (W += scale · B A) and detaches it.</summary>
    public void MergeLora()
    {
        if (_loraA is null || _loraB is null) return;
        using (no_grad())
        {
            using Tensor delta = _loraB.to(float32).matmul(_loraA.to(float32)).mul_(_loraScale);
            using Tensor merged = Weight.to(float32).add_(delta);
            Weight.copy_(merged);
        }
        // Unregister as well as dispose, so named_parameters() (and NamedWeights, Save) no longer list them.
        ConditionallyRegisterParameter("lora_A", null);
        ConditionallyRegisterParameter("lora_B", null);
        _loraA.Dispose();
        _loraB.Dispose();
        _loraA = null;
        _loraB = null;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _slots is not null)
        {
            foreach (SlotFactors f in _slots.Values)
            {
                f.A.Dispose();
                f.B.Dispose();
            }
            _slots = null;
        }
        base.Dispose(disposing);
    }

    private sealed record SlotFactors(Tensor A, Tensor B, double Scale); // A (r, in), B (out, r)
}
