namespace CodeGen.Model.Gguf;

/// <summary>Block sizes of the ggml types (elements per block, bytes per block).</summary>
public static class GgufTypes
{
    /// <summary>Elements per block and bytes per block of <paramref name="type"/>.</summary>
    /// <exception cref="ModelLoadException">A type this project does not know.</exception>
    public static (int Elements, int Bytes) Block(GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => (1, 4),
        GgufTensorType.F16 => (1, 2),
        GgufTensorType.BF16 => (1, 2),
        GgufTensorType.Q4_0 => (32, 18),
        GgufTensorType.Q4_1 => (32, 20),
        GgufTensorType.Q5_0 => (32, 22),
        GgufTensorType.Q5_1 => (32, 24),
        GgufTensorType.Q8_0 => (32, 34),
        GgufTensorType.Q2_K => (256, 84),
        GgufTensorType.Q3_K => (256, 110),
        GgufTensorType.Q4_K => (256, 144),
        GgufTensorType.Q5_K => (256, 176),
        GgufTensorType.Q6_K => (256, 210),
        GgufTensorType.Q8_K => (256, 292),
        _ => throw new ModelLoadException($"unsupported ggml tensor type {(uint)type}"),
    };

    /// <summary>Whether <paramref name="type"/> is one <see cref="Block"/> knows.</summary>
    public static bool IsKnown(GgufTensorType type) => Enum.IsDefined(type);

    /// <summary>Bytes that <paramref name="elements"/> elements of <paramref name="type"/> take.</summary>
    public static long ByteCount(GgufTensorType type, long elements)
    {
        (int e, int b) = Block(type);
        return elements / e * b;
    }
}
