using CodeGen.Model;
using CodeGen.Model.Gguf;
using LLama;
using LLama.Native;

namespace CodeGen.Training.Checkpoints;

/// <summary>A Hugging Face directory to a GGUF file: f32/f16 written by <see cref="GgufExporter"/>, quantized types made from the f32 file by llama.cpp's quantizer.</summary>
internal static class GgufExport
{
    /// <summary>Writes <paramref name="output"/> with tensors of <paramref name="quant"/>.</summary>
    /// <exception cref="ArgumentException">An unknown type, or one llama.cpp cannot make of this model (e.g. rows not a multiple of its block).</exception>
    public static void Run(string modelDirectory, string output, string quant, int threads)
    {
        LLamaFtype? ftype = quant.ToLowerInvariant() switch
        {
            "f32" => null,
            "f16" => null,
            "q8_0" => LLamaFtype.MOSTLY_Q8_0,
            "q4_0" => LLamaFtype.MOSTLY_Q4_0,
            "q4_k_m" => LLamaFtype.MOSTLY_Q4_K_M,
            _ => throw new ArgumentException($"--quant must be f32, f16, q8_0, q4_0 or q4_k_m, got '{quant}'"),
        };
        if (ftype is null)
        {
            GgufExporter.Export(modelDirectory, output, quant.Equals("f32", StringComparison.OrdinalIgnoreCase) ? GgufTensorType.F32 : GgufTensorType.F16);
            return;
        }
        ModelConfig config = ModelConfig.Load(modelDirectory);
        // llama.cpp quantizes rows in blocks; q4_k_m falls back to 32-blocks per tensor where 256 does not divide, but never below 32.
        foreach ((string what, int width) in new[] { ("hidden_size", config.HiddenSize), ("intermediate_size", config.IntermediateSize) })
        {
            if (width % 32 != 0)
                throw new ArgumentException($"--quant {quant}: {modelDirectory} has {what} {width}, not a multiple of 32, which llama.cpp's {quant} blocks need (f32 and f16 work)");
        }
        string temporary = output + ".f32.tmp";
        try
        {
            GgufExporter.Export(modelDirectory, temporary, GgufTensorType.F32);
            NativeApi.llama_empty_call(); // LLamaSharp resolves and loads llama.cpp here; the quantizer's own calls do not
            if (!LLamaQuantizer.Quantize(temporary, output, ftype.Value, threads > 0 ? threads : Environment.ProcessorCount, allowRequantize: false, quantizeOutputTensor: false))
                throw new InvalidOperationException($"llama.cpp's quantizer failed to make {quant} of {modelDirectory}");
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
