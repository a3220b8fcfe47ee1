using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Portal.Simulator.Engines;

internal static class HttpExtensions
{
    public static async Task WriteJsonAsync(this HttpResponse response, int status, JsonNode body, CancellationToken ct)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, ct);
    }

    public static async Task WriteTextAsync(this HttpResponse response, int status, string text, string contentType, CancellationToken ct)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(text);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, ct);
    }

    /// <summary>One server-sent event frame, flushed at once: a token stream must never sit in a buffer.</summary>
    public static async Task WriteEventAsync(this HttpResponse response, string data, CancellationToken ct)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {data}\n\n"), ct);
        await response.Body.FlushAsync(ct);
    }

    /// <summary>One NDJSON line, flushed at once.</summary>
    public static async Task WriteLineAsync(this HttpResponse response, JsonNode line, CancellationToken ct)
    {
        await response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(line), ct);
        await response.Body.WriteAsync("\n"u8.ToArray(), ct);
        await response.Body.FlushAsync(ct);
    }

    public static async Task<JsonObject?> ReadJsonObjectAsync(this HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
