using CodeGen.Model.Sampling;
using static TorchSharp.torch;

namespace CodeGen.Server.Commands;

/// <summary>Parsed options of <c>server generate</c>.</summary>
internal sealed record GenerateOptions(
    string ModelDirectory,
    IReadOnlyList<int> PromptIds,
    int MaxTokens,
    SamplingOptions Sampling,
    int PrintLogits,
    Device Device,
    ScalarType DType);
