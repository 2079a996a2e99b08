namespace CodeGen.Model.Gguf;

/// <summary>The ggml tensor types this project writes or accepts, with their block layout.</summary>
public enum GgufTensorType : uint
{
    /// <summary>float32.</summary>
    F32 = 0,
    /// <summary>float16.</summary>
    F16 = 1,
    /// <summary>4-bit, blocks of 32 with one f16 scale.</summary>
    Q4_0 = 2,
    /// <summary>4-bit, blocks of 32 with f16 scale and minimum.</summary>
    Q4_1 = 3,
    /// <summary>5-bit, blocks of 32.</summary>
    Q5_0 = 6,
    /// <summary>5-bit with minimum, blocks of 32.</summary>
    Q5_1 = 7,
    /// <summary>8-bit, blocks of 32 with one f16 scale.</summary>
    Q8_0 = 8,
    /// <summary>2-bit k-quant, super-blocks of 256.</summary>
    Q2_K = 10,
    /// <summary>3-bit k-quant.</summary>
    Q3_K = 11,
    /// <summary>4-bit k-quant.</summary>
    Q4_K = 12,
    /// <summary>5-bit k-quant.</summary>
    Q5_K = 13,
    /// <summary>6-bit k-quant.</summary>
    Q6_K = 14,
    /// <summary>8-bit k-quant.</summary>
    Q8_K = 15,
    /// <summary>bfloat16.</summary>
    BF16 = 30,
}
