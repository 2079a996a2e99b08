using TorchSharp;
using TorchSharp.Modules;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// y = x Wᵀ + b, optionally plus a LoRA update (alpha / r) · (dropout(x) Aᵀ) Bᵀ. The same module serves inference
/// (frozen W) and LoRA fine-tuning (trainable A, B). The factors may be held in another dtype than W (float32
/// factors over bfloat16 base weights while training): the update is computed in the factors' dtype and added in W's.
/// </summary>
public sealed class Linear : nn.Module
{
    private Parameter? _loraA; // (r, in)
    private Parameter? _loraB; // (out, r)
    private double _loraScale;
    private double _loraDropout;
    private Generator? _loraDropoutRandom;

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
}
