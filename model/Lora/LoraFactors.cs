using static TorchSharp.torch;

namespace CodeGen.Model.Lora;

/// <summary>The two LoRA factors of one linear module: the update is scale · B A.</summary>
/// <param name="A">Down projection (r, in).</param>
/// <param name="B">Up projection (out, r).</param>
public sealed record LoraFactors(Tensor A, Tensor B);
