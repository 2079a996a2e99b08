using static TorchSharp.torch;

namespace CodeGen.Model.Weights;

/// <summary>Supplies each weight by its checkpoint name while the model is built.</summary>
public interface IWeightSource
{
    /// <summary>Returns the weight called <paramref name="name"/> with exactly <paramref name="shape"/>, in the model's dtype and device.</summary>
    Tensor Get(string name, long[] shape, WeightKind kind);
}
