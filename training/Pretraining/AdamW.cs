using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CodeGen.Training.Pretraining;

/// <summary>
/// AdamW (Loshchilov and Hutter): Adam moments with bias correction and weight decay decoupled from the
/// gradient (w ← w − lr·λ·w), applied only to matrices (not norms or biases). Written out so its state is
/// plain named tensors that checkpoints save and restore exactly.
/// </summary>
internal sealed class AdamW : IDisposable
{
    private readonly (string Name, Parameter Parameter, Tensor M, Tensor V, bool Decay)[] _slots;

    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, double beta1 = 0.9, double beta2 = 0.95, double eps = 1e-8, double weightDecay = 0.1)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        _slots = parameters
            .Select(p => (p.Name, p.Parameter, zeros_like(p.Parameter).detach(), zeros_like(p.Parameter).detach(), p.Parameter.dim() >= 2))
            .ToArray();
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Eps { get; }

    public double WeightDecay { get; }

    /// <summary>Updates taken so far (bias correction uses it).</summary>
    public long Steps { get; private set; }

    public IEnumerable<Parameter> Parameters => _slots.Select(s => s.Parameter);

    /// <summary>One update with learning rate <paramref name="lr"/>; parameters without a gradient are skipped.</summary>
    public void Step(double lr)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double correction2 = 1 - Math.Pow(Beta2, Steps);
        using var noGrad = no_grad();
        foreach ((_, Parameter p, Tensor m, Tensor v, bool decay) in _slots)
        {
            Tensor? grad = p.grad;
            if (grad is null) continue;
            using var scope = NewDisposeScope();
            if (decay && WeightDecay > 0) p.mul_(1 - lr * WeightDecay);
            m.mul_(Beta1).add_(grad, alpha: 1 - Beta1);
            v.mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
            Tensor denominator = v.div(correction2).sqrt_().add_(Eps);
            p.addcdiv_(m, denominator, value: -lr / correction1);
        }
    }

    public void ZeroGrad()
    {
        foreach ((_, Parameter p, _, _, _) in _slots) p.grad?.zero_();
    }

    /// <summary>Moment tensors by name ("exp_avg.NAME", "exp_avg_sq.NAME") for checkpoints.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> State() => _slots.SelectMany(s => new[]
    {
        new KeyValuePair<string, Tensor>("exp_avg." + s.Name, s.M),
        new KeyValuePair<string, Tensor>("exp_avg_sq." + s.Name, s.V),
    });

    /// <summary>Restores moments and the step count from a checkpoint.</summary>
    public void Load(Func<string, Tensor> read, long steps)
    {
        using var noGrad = no_grad();
        foreach ((string name, _, Tensor m, Tensor v, _) in _slots)
        {
            using Tensor savedM = read("exp_avg." + name);
            using Tensor savedV = read("exp_avg_sq." + name);
            m.copy_(savedM);
            v.copy_(savedV);
        }
        Steps = steps;
    }

    public void Dispose()
    {
        foreach ((_, _, Tensor m, Tensor v, _) in _slots)
        {
            m.Dispose();
            v.Dispose();
        }
    }
}
