using System.Buffers;
using System.Text;
using System.Text.Json;
using Portal.Application.Ports;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>
/// One chat completion as a benchmark sends and reads it: the request body (streaming with
/// <c>stream_options.include_usage</c> so the engine reports its token counts, <c>ignore_eos</c> so the reply runs to
/// <c>max_tokens</c> where the engine allows it, as <c>vllm bench serve</c> does for its random dataset), and the
/// reply read as it arrives: TTFT at the first chunk with text, ITL between chunks with text, end-to-end at the end,
/// prompt and reply tokens from <c>usage</c>.
/// </summary>
public static class CompletionExchange
{
    public static byte[] RequestBody(string model, PromptRequest prompt, bool stream)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("messages");
            foreach (var message in prompt.Messages)
            {
                json.WriteStartObject();
                json.WriteString("role", message.Role);
                json.WriteString("content", message.Content);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("max_tokens", prompt.MaxTokens);
            json.WriteBoolean("ignore_eos", true);
            json.WriteBoolean("stream", stream);
            if (stream)
            {
                json.WriteStartObject("stream_options");
                json.WriteBoolean("include_usage", true);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a reply that started at <paramref name="sent"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    public static async Task<RequestSample> ReadAsync(
        InferenceResponse response, bool stream, long sent, double startMs, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!response.IsSuccess)
        {
            await DrainAsync(response.Body, cancellationToken);
            return Failed($"http {response.StatusCode}");
        }

        return stream
            ? await ReadStreamAsync(response.Body, sent, startMs, time, cancellationToken)
            : await ReadWholeAsync(response.Body, sent, startMs, time, cancellationToken);

        RequestSample Failed(string error) => new(startMs, null, time.GetElapsedTime(sent).TotalMilliseconds, null, null, [], error);
    }

    private static async Task<RequestSample> ReadWholeAsync(Stream body, long sent, double startMs, TimeProvider time, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, ct);
        var e2e = time.GetElapsedTime(sent).TotalMilliseconds;
        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            var (prompt, output, error) = Usage(document.RootElement);
            return new RequestSample(startMs, null, e2e, prompt, output, [], error);
        }
        catch (JsonException)
        {
            return new RequestSample(startMs, null, e2e, null, null, [], "not json");
        }
    }

    private static async Task<RequestSample> ReadStreamAsync(Stream body, long sent, double startMs, TimeProvider time, CancellationToken ct)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
        long first = 0, last = 0;
        var itls = new List<double>();
        int? prompt = null, output = null;
        string? error = null;
        var done = false;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line.AsMemory(5).Trim();
            if (data.Span.SequenceEqual("[DONE]"))
            {
                done = true;
                break;
            }

            var now = time.GetTimestamp();
            using var chunk = JsonDocument.Parse(data);
            var root = chunk.RootElement;
            if (root.TryGetProperty("error", out _))
            {
                error = "engine error";
                break;
            }

            if (HasText(root))
            {
                if (first == 0)
                {
                    first = now;
                }
                else
                {
                    itls.Add(time.GetElapsedTime(last, now).TotalMilliseconds);
                }

                last = now;
            }

            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                (prompt, output, _) = Usage(root);
            }
        }

        var e2e = time.GetElapsedTime(sent).TotalMilliseconds;
        error ??= !done ? "broken stream" : first == 0 ? "no tokens" : output is null ? "no usage" : null;
        double? ttft = first == 0 ? null : time.GetElapsedTime(sent, first).TotalMilliseconds;
        return new RequestSample(startMs, ttft, e2e, prompt, output, itls, error);
    }

    private static bool HasText(JsonElement root)
    {
        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            return false;
        }

        var choice = choices[0];
        var text = choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object && delta.TryGetProperty("content", out var content)
            ? content
            : choice.TryGetProperty("text", out var t) ? t : default;
        return text.ValueKind == JsonValueKind.String && text.GetStringLength() > 0;
    }

    private static (int? Prompt, int? Output, string? Error) Usage(JsonElement root)
    {
        if (root.TryGetProperty("error", out _))
        {
            return (null, null, "engine error");
        }

        if (!root.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return (null, null, "no usage");
        }

        int? Read(string name) => usage.TryGetProperty(name, out var v) && v.TryGetInt32(out var n) ? n : null;
        var output = Read("completion_tokens");
        return (Read("prompt_tokens"), output, output is null ? "no usage" : null);
    }

    private static async Task DrainAsync(Stream body, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (await body.ReadAsync(buffer, ct) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

internal static class JsonElementExtensions
{
    public static int GetStringLength(this JsonElement element) => element.GetString()?.Length ?? 0;
}
