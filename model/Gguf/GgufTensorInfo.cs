namespace CodeGen.Model.Gguf;

/// <summary>One entry of a GGUF tensor table.</summary>
/// <param name="Name">Tensor name (e.g. <c>blk.0.attn_q.weight</c>).</param>
/// <param name="Dimensions">ggml's ne: the innermost (contiguous) dimension first, so a (out, in) matrix is [in, out].</param>
/// <param name="Type">Element or block type.</param>
/// <param name="Offset">Byte offset from the start of the data section.</param>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, GgufTensorType Type, long Offset)
{
    /// <summary>Elements in all.</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes of data: blocks of the type times the block size.</summary>
    public long ByteCount => GgufTypes.ByteCount(Type, ElementCount);

    /// <summary>The shape as written in messages, innermost first as ggml prints it.</summary>
    public string Shape => $"[{string.Join(", ", Dimensions)}]";
}
