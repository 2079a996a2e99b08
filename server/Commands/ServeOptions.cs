using System.Net;
using static TorchSharp.torch;

namespace CodeGen.Server.Commands;

/// <summary>Parsed options of <c>server</c>.</summary>
/// <param name="ModelDirectory">Hugging Face model directory.</param>
/// <param name="Host">Address to bind; 127.0.0.1 by default.</param>
/// <param name="Port">TCP port; 8080 by default.</param>
/// <param name="ApiKey">Bearer key required on the API when set; mandatory off loopback.</param>
/// <param name="Device">cpu or cuda.</param>
/// <param name="DType">Weight dtype.</param>
internal sealed record ServeOptions(string ModelDirectory, string Host, int Port, string? ApiKey, Device Device, ScalarType DType)
{
    /// <summary>Hugging Face PEFT LoRA adapters served unmerged beside the base model (<c>--adapter NAME=DIR</c>, repeatable); none by default.</summary>
    public IReadOnlyList<Engine.AdapterSpec> Adapters { get; init; } = [];

    /// <summary>How the engine runs (batch size, queue, chunking, timeouts).</summary>
    public Engine.EngineOptions Engine { get; init; } = new();

    /// <summary>Whether <see cref="Host"/> is a loopback address (or "localhost").</summary>
    public bool IsLoopback => Host == "localhost" || (IPAddress.TryParse(Host, out IPAddress? ip) && IPAddress.IsLoopback(ip));

    /// <summary>Throws <see cref="ArgumentException"/> when bound beyond loopback without a key, or on a bad port.</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be in 0..65535, got {Port}");
        Engine.Validate();
        if (!IsLoopback && string.IsNullOrEmpty(ApiKey))
            throw new ArgumentException($"--host {Host} exposes the server beyond loopback: --api-key is required");
    }
}
