using CodeGen.Bench.Serving;

namespace CodeGen.Bench.Tests.Serving;

public sealed class SseParserTests
{
    [Theory]
    [InlineData("data: {\"a\":1}", "{\"a\":1}")]
    [InlineData("data:{\"a\":1}", "{\"a\":1}")]
    [InlineData("data:  two spaces", " two spaces")]
    [InlineData("data: [DONE]", "[DONE]")]
    [InlineData("data: [DONE]\r", "[DONE]")]
    [InlineData("data:", "")]
    public void TryReadData_DataLine_ReturnsPayload(string line, string expected)
    {
        Assert.True(SseParser.TryReadData(line, out string data));
        Assert.Equal(expected, data);
    }

    [Theory]
    [InlineData("")]
    [InlineData(": keep-alive")]
    [InlineData("event: completion")]
    [InlineData("id: 7")]
    [InlineData(" data: indented is not a field")]
    public void TryReadData_OtherLine_ReturnsFalse(string line)
    {
        Assert.False(SseParser.TryReadData(line, out string data));
        Assert.Equal("", data);
    }

    [Fact]
    public void CompletionChunkParse_TextCompletionEvent_ReadsTextAndFinishReason()
    {
        CompletionChunk chunk = CompletionChunk.Parse(
            """{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":"    return","logprobs":null,"finish_reason":"length"}]}""");

        Assert.Equal(new CompletionChunk("    return", "length", null, null), chunk);
    }

    [Fact]
    public void CompletionChunkParse_UsageEvent_ReadsCompletionTokens()
    {
        CompletionChunk chunk = CompletionChunk.Parse("""{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":17}}""");

        Assert.Equal(new CompletionChunk("", null, 17, null), chunk);
    }

    [Fact]
    public void CompletionChunkParse_ErrorEvent_ReadsMessage()
    {
        CompletionChunk chunk = CompletionChunk.Parse("""{"error":{"message":"request timed out","type":"server_error"}}""");

        Assert.Equal(new CompletionChunk("", null, null, "request timed out"), chunk);
    }
}
