using System.Buffers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Portal.Gateway;

namespace Portal.Services.Playground;

/// <summary>
/// Sends a conversation to one deployment through the gateway's own code path (<see cref="GatewayClient"/>)
/// and reads the OpenAI stream back the way a program would, filling a <see cref="ChatTurn"/> as tokens arrive.
/// </summary>
public sealed partial class PlaygroundChat(GatewayClient gateway, TimeProvider time, ILogger<PlaygroundChat> logger)
{
    /// <summary>The request body the playground sends, which "view code" shows too.</summary>
    public static byte[] RequestJson(string model, ChatSettings settings, IEnumerable<(string Role, string Content)> messages, bool stream = true)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = !stream }))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("messages");
            if (!string.IsNullOrWhiteSpace(settings.SystemPrompt))
            {
                WriteMessage(json, "system", settings.SystemPrompt);
            }

            foreach (var (role, content) in messages)
            {
                WriteMessage(json, role, content);
            }

            json.WriteEndArray();
            json.WriteNumber("temperature", Math.Round(settings.Temperature, 2));
            json.WriteNumber("top_p", Math.Round(settings.TopP, 2));
            json.WriteNumber("max_tokens", settings.MaxTokens);
            if (stream)
            {
                json.WriteBoolean("stream", true);
                json.WriteStartObject("stream_options");
                json.WriteBoolean("include_usage", true);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Streams the reply to <paramref name="history"/> (ending with the user's prompt) into <paramref name="reply"/>.</summary>
    public async Task StreamAsync(
        ClaimsPrincipal user, ChatTarget target, ChatSettings settings, IReadOnlyList<ChatTurn> history, ChatTurn reply, CancellationToken cancellationToken)
    {
        reply.Reset();
        var started = time.GetTimestamp();
        long firstToken = 0;
        int? promptTokens = null, completionTokens = null;
        var chunks = 0;
        try
        {
            var body = RequestJson(target.Model, settings, history.Where(t => t.Status is TurnStatus.Done or TurnStatus.Stopped).Select(t => (t.Role, t.Text)));
            await using var response = await gateway.SendAsync(user, GatewayOperation.ChatCompletions, body, target.Deployment, cancellationToken);
            using var reader = new StreamReader(response.Body, Encoding.UTF8);
            if (!response.IsSuccess)
            {
                reply.Status = TurnStatus.Failed;
                reply.Error = ErrorMessage(await reader.ReadToEndAsync(cancellationToken), response.StatusCode);
                return;
            }

            if (response.Headers.TryGetValue(ColdStartHold.WaitHeader, out var wait))
            {
                reply.Waiting = WaitingText(wait.ToString());
            }

            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith(": waking model", StringComparison.Ordinal))
                {
                    var about = line.IndexOf(", about ", StringComparison.Ordinal);
                    reply.Waiting = about < 0 ? "waking model…" : "waking model" + line[about..];
                    continue;
                }

                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue;
                }

                reply.Waiting = null;

                var data = line.AsSpan(5).Trim();
                if (data.SequenceEqual("[DONE]"))
                {
                    break;
                }

                using var chunk = JsonDocument.Parse(data.ToString());
                var root = chunk.RootElement;
                if (root.TryGetProperty("error", out var error))
                {
                    reply.Status = TurnStatus.Failed;
                    reply.Error = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.GetString() : error.ToString();
                    return;
                }

                if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
                {
                    var choice = choices[0];
                    if (choice.TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content)
                        && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
                    {
                        if (firstToken == 0)
                        {
                            firstToken = time.GetTimestamp();
                        }

                        chunks++;
                        reply.Append(text);
                    }

                    if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
                    {
                        reply.FinishReason = finish.GetString();
                    }
                }

                if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                {
                    promptTokens = usage.TryGetProperty("prompt_tokens", out var p) ? p.GetInt32() : null;
                    completionTokens = usage.TryGetProperty("completion_tokens", out var c) ? c.GetInt32() : null;
                }
            }

            reply.Status = TurnStatus.Done;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reply.Status = TurnStatus.Stopped;
        }
        catch (Exception e) when (e is IOException or JsonException or HttpRequestException)
        {
            reply.Status = TurnStatus.Failed;
            reply.Error = $"The stream broke off: {e.Message}";
            LogStreamFailed(target.Deployment, e.Message);
        }
        finally
        {
            reply.Waiting = null;
            var end = time.GetTimestamp();
            var tokens = completionTokens ?? chunks;
            double? ttft = firstToken == 0 ? null : time.GetElapsedTime(started, firstToken).TotalMilliseconds;
            var generating = firstToken == 0 ? TimeSpan.Zero : time.GetElapsedTime(firstToken, end);
            double? rate = tokens > 1 && generating > TimeSpan.Zero ? (tokens - 1) / generating.TotalSeconds : null;
            reply.Figures = new ReplyFigures(ttft, rate, promptTokens, completionTokens ?? (chunks > 0 ? chunks : null));
        }
    }

    /// <summary>The playground's words for an <c>x-portal-wait</c> header: seconds expected, or <c>unknown</c>.</summary>
    public static string WaitingText(string header) =>
        int.TryParse(header, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? $"waking model, about {Math.Max(1, seconds)} s"
            : "waking model…";

    private static string ErrorMessage(string body, int status)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var message))
            {
                return $"{message.GetString()} (HTTP {status})";
            }
        }
        catch (JsonException)
        {
        }

        return $"The gateway answered HTTP {status}.";
    }

    private static void WriteMessage(Utf8JsonWriter json, string role, string content)
    {
        json.WriteStartObject();
        json.WriteString("role", role);
        json.WriteString("content", content);
        json.WriteEndObject();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Playground stream from {Deployment} broke off: {Reason}")]
    private partial void LogStreamFailed(string deployment, string reason);
}
