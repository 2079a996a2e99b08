using System.CommandLine;
using CodeGen.Server.Engine;

namespace CodeGen.Server.Commands;

/// <summary>The engine's flags shared by <c>server</c> and <c>server generate</c>: KV memory, context cap, chunking, budget, timeout.</summary>
internal sealed class EngineFlags
{
    private readonly Option<string?> _kvCacheMemory = new("--kv-cache-memory")
    {
        Description = "KV cache size: bytes (8GiB, 512MiB) or a fraction of available memory (0.25). Default: 0.25, capped by what --max-batch sequences of --max-context need.",
    };

    private readonly Option<int?> _maxContext = new("--max-context") { Description = "Most positions (prompt + completion) one sequence may hold. Default: the model's context." };
    private readonly Option<int> _blockSize = new("--block-size") { Description = "Positions per KV block.", DefaultValueFactory = _ => 16 };
    private readonly Option<int> _prefillChunk = new("--prefill-chunk") { Description = "Most prompt tokens one sequence prefills per step.", DefaultValueFactory = _ => 128 };
    private readonly Option<int> _maxStepTokens = new("--max-step-tokens") { Description = "Most tokens (prefill + decode) in one forward pass.", DefaultValueFactory = _ => 256 };
    private readonly Option<double> _requestTimeout = new("--request-timeout") { Description = "Seconds a request may run before it ends with a timeout.", DefaultValueFactory = _ => 300 };

    private readonly Option<string?> _draftModel = new("--draft-model")
    {
        Description = "A smaller Hugging Face model directory with the same tokenizer, for speculative decoding (requests with \"speculative\": \"draft\").",
    };

    private readonly Option<string> _backend = new("--backend") { Description = "torch (Hugging Face directory), llama (GGUF file through llama.cpp) or auto (llama for a .gguf file or a directory holding one).", DefaultValueFactory = _ => "auto" };
    private readonly Option<int> _threads = new("--threads") { Description = "CPU threads of the llama.cpp backend (0: the machine's cores).", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command)
    {
        command.Options.Add(_draftModel);
        command.Options.Add(_backend);
        command.Options.Add(_threads);
        command.Options.Add(_kvCacheMemory);
        command.Options.Add(_maxContext);
        command.Options.Add(_blockSize);
        command.Options.Add(_prefillChunk);
        command.Options.Add(_maxStepTokens);
        command.Options.Add(_requestTimeout);
    }

    /// <summary>The options as given (validated later, with the rest, by <see cref="EngineOptions.Validate"/>).</summary>
    public EngineOptions Read(ParseResult parse)
    {
        double timeout = parse.GetValue(_requestTimeout);
        return new EngineOptions
        {
            KvCacheMemory = parse.GetValue(_kvCacheMemory),
            DraftModel = parse.GetValue(_draftModel),
            MaxContext = parse.GetValue(_maxContext),
            BlockSize = parse.GetValue(_blockSize),
            PrefillChunk = parse.GetValue(_prefillChunk),
            MaxStepTokens = parse.GetValue(_maxStepTokens),
            Backend = parse.GetRequiredValue(_backend),
            Threads = parse.GetValue(_threads),
            RequestTimeout = timeout is > 0 and < 1e7 ? TimeSpan.FromSeconds(timeout) : TimeSpan.Zero,
        };
    }
}
