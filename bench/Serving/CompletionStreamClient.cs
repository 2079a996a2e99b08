using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeGen.Bench.Serving;

/// <summary>
/// Sends streaming POST /v1/completions requests and times the events: time to the first text-bearing event
/// and the gaps between later ones. Never throws for what the server does; every outcome is a <see cref="StreamResult"/>.
/// </summary>
internal sealed class CompletionStreamClient(HttpClient http, Uri server, string? apiKey, string? model)
{
    private readonly Uri _completions = new(new Uri(server.ToString().TrimEnd('/') + "/"), "v1/completions");

    /// <summary>
    /// Streams one completion of <paramref name="prompt"/> (a string or an array of token ids). With
    /// <paramref name="disconnectAfterTokens"/>, drops the connection once that many tokens have arrived.
    /// <paramref name="runToken"/> is the whole run's time limit; <paramref name="timeout"/> bounds this request.
    /// </summary>
    public async Task<StreamResult> CompleteAsync(JsonNode prompt, int maxTokens, int? disconnectAfterTokens, TimeSpan timeout, CancellationToken runToken)
    {
        using var requestCancellation = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        requestCancellation.CancelAfter(timeout);
        CancellationToken token = requestCancellation.Token;
        var body = new JsonObject { ["prompt"] = prompt.DeepClone(), ["max_tokens"] = maxTokens, ["temperature"] = 0, ["stream"] = true };
        if (model is not null) body["model"] = model;
        using var request = new HttpRequestMessage(HttpMethod.Post, _completions)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

        var watch = Stopwatch.StartNew();
        var gaps = new List<double>();
        double? first = null;
        double last = 0;
        int events = 0;
        int? usageTokens = null;
        StreamResult Result(string? error = null, bool disconnected = false) => new()
        {
            Error = error,
            Disconnected = disconnected,
            Tokens = usageTokens ?? events,
            TimeToFirstToken = first,
            InterTokenLatencies = gaps,
        };

        try
        {
            // Disposing the response before the stream ends closes the connection: that is the disconnect.
            using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            if (!response.IsSuccessStatusCode) return Result($"HTTP {(int)response.StatusCode}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(token), Encoding.UTF8);
            while (await reader.ReadLineAsync(token) is string line)
            {
                if (!SseParser.TryReadData(line, out string data)) continue;
                if (data == SseParser.Done) return Result();
                CompletionChunk chunk = CompletionChunk.Parse(data);
                if (chunk.Error is not null) return Result("stream error");
                usageTokens = chunk.CompletionTokens ?? usageTokens;
                if (chunk.Text.Length == 0) continue;
                double now = watch.Elapsed.TotalSeconds;
                if (first is null) first = now;
                else gaps.Add(now - last);
                last = now;
                events++;
                if (events >= disconnectAfterTokens) return Result(disconnected: true);
            }
            return Result("no [DONE]");
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            return Result("run time limit");
        }
        catch (OperationCanceledException)
        {
            return Result("timeout");
        }
        catch (HttpRequestException e)
        {
            return Result(e.HttpRequestError == HttpRequestError.Unknown ? "http error" : e.HttpRequestError.ToString());
        }
        catch (IOException)
        {
            return Result("connection reset");
        }
        catch (JsonException)
        {
            return Result("malformed event");
        }
    }
}
