using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CodeGen.Training.Distributed;

/// <summary>
/// The gradients of a set of parameters laid end to end in one float[] (plus <c>extra</c> slots after them, for
/// values averaged with the gradients, such as the loss), so that a data-parallel step averages everything with
/// one <see cref="IDataParallel.AverageInPlace"/> call instead of one call per tensor.
/// </summary>
internal sealed class GradientBuffer
{
    private readonly Parameter[] _parameters;
    private readonly int[] _offsets;

    public GradientBuffer(IEnumerable<Parameter> parameters, int extra = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(extra);
        _parameters = [.. parameters];
        _offsets = new int[_parameters.Length];
        long total = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            _offsets[i] = checked((int)total);
            total += _parameters[i].numel();
        }
        GradientCount = checked((int)total);
        Values = new float[checked(GradientCount + extra)];
    }

    /// <summary>The gradients (first <see cref="GradientCount"/> values) and the extra slots.</summary>
    public float[] Values { get; }

    /// <summary>How many values are gradients; the extra slots follow them.</summary>
    public int GradientCount { get; }

    /// <summary>The extra slots after the gradients.</summary>
    public Span<float> Extra => Values.AsSpan(GradientCount);

    /// <summary>Copies every parameter's gradient into <see cref="Values"/> (zeros for a parameter without one).</summary>
    public void Gather()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            Span<float> slot = Slot(i);
            if (_parameters[i].grad is not Tensor grad)
            {
                slot.Clear();
                continue;
            }
            // A CPU float32 gradient is its own host copy; Tensor.bytes is then a view of its storage (one memcpy).
            using Tensor host = grad.detach().to(float32, CPU).contiguous();
            MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(slot);
        }
    }

    /// <summary>Writes <see cref="Values"/> back into the gradients (creating a gradient where a parameter has none).</summary>
    public void Scatter()
    {
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter parameter = _parameters[i];
            Tensor? grad = parameter.grad;
            if (grad is not null && grad.device_type == DeviceType.CPU && grad.dtype == float32 && grad.is_contiguous())
            {
                Slot(i).CopyTo(MemoryMarshal.Cast<byte, float>(grad.bytes)); // written straight into the gradient's storage
                continue;
            }
            using Tensor host = empty(parameter.shape, float32, CPU);
            Slot(i).CopyTo(MemoryMarshal.Cast<byte, float>(host.bytes));
            if (grad is not null) grad.copy_(host);
            else parameter.grad = host.to(parameter.dtype, parameter.device);
        }
    }

    /// <summary>Averages the gradients (and extra slots) over <paramref name="job"/>'s ranks with one collective.</summary>
    public void Average(IDataParallel job)
    {
        Gather();
        job.AverageInPlace(Values);
        Scatter();
    }

    private Span<float> Slot(int i) => Values.AsSpan(_offsets[i], (int)_parameters[i].numel());
}
