namespace CodeGen.Model.Weights;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">Checkpoint name, e.g. "model.layers.0.self_attn.q_proj.weight".</param>
/// <param name="DType">safetensors dtype string: F32, F16, BF16, I64, ...</param>
/// <param name="Shape">Dimensions.</param>
/// <param name="Begin">Start offset in the data section.</param>
/// <param name="End">End offset (exclusive) in the data section.</param>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
