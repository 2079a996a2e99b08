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
    ScalarType DType)
{
    /// <summary>How the engine runs (KV memory, chunking); null for the defaults with one sequence.</summary>
    public Engine.EngineOptions? Engine { get; init; }
}
