using System.Text.Json.Nodes;

namespace CodeGen.Server.OpenAi;

/// <summary>The legacy completions "logprobs" object: tokens, token_logprobs, top_logprobs, text_offset.</summary>
internal sealed class LogprobsBuilder(int startOffset)
{
    private readonly JsonArray _tokens = [];
    private readonly JsonArray _logprobs = [];
    private readonly JsonArray _top = [];
    private readonly JsonArray _offsets = [];

    public void Add(string token, float logprob, IReadOnlyList<KeyValuePair<string, float>>? top, int offset)
    {
        _tokens.Add(token);
        _logprobs.Add(logprob);
        var alternatives = new JsonObject();
        foreach ((string text, float value) in top ?? []) alternatives[text] = value;
        _top.Add(top is null ? null : alternatives);
        _offsets.Add(Math.Max(offset, startOffset));
    }

    public JsonObject Build() => new()
    {
        ["tokens"] = _tokens,
        ["token_logprobs"] = _logprobs,
        ["top_logprobs"] = _top,
        ["text_offset"] = _offsets,
    };
}
