using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.Gateway;

/// <summary>
/// Engines answer errors in several shapes: OpenAI's nested <c>{"error": {...}}</c> (current vLLM, Ollama's /v1),
/// a flat <c>{"object":"error","message",…}</c> (SGLang, older vLLM), FastAPI's <c>{"detail": …}</c> (a route a vLLM
/// model does not serve) and Ollama's native <c>{"error": "text"}</c>. Callers of the gateway get OpenAI's shape,
/// whose message OpenAI's SDKs show; the status code stays the engine's.
/// </summary>
public static class EngineErrors
{
    /// <summary>Error bodies larger than this are passed through untouched (no engine sends one).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>The body in OpenAI's shape, or null when it already is (or is not an error body this knows).</summary>
    public static JsonObject? ToOpenAiShape(ReadOnlySpan<byte> body, int status)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }

        if (node is not JsonObject root || root["error"] is JsonObject)
        {
            return null;
        }

        var message = root["error"] is JsonValue text && text.TryGetValue<string>(out var ollama) ? ollama
            : root["message"] is JsonValue flat && flat.TryGetValue<string>(out var m) ? m
            : root["detail"] switch
            {
                JsonValue detail when detail.TryGetValue<string>(out var d) => d,
                JsonNode detail => detail.ToJsonString(),
                null => null,
            };
        if (message is null)
        {
            return null;
        }

        var type = root["type"] is JsonValue t && t.TryGetValue<string>(out var engineType) ? engineType
            : status >= 500 ? GatewayErrors.Server : GatewayErrors.InvalidRequest;
        return new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = type,
                ["param"] = root["param"]?.DeepClone(),
                ["code"] = root["code"]?.DeepClone() ?? status,
            },
        };
    }
}
