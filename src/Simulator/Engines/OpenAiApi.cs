using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Portal.Simulator.Api;

namespace Portal.Simulator.Engines;

/// <summary>How one engine's OpenAI-compatible layer differs from the others'.</summary>
/// <param name="HonoursIgnoreEos">
/// Whether the layer takes the <c>ignore_eos</c> extension: vLLM (<c>ignore_eos: bool = False</c> among
/// ChatCompletionRequest's sampling params, vllm/entrypoints/openai/chat_completion/protocol.py @ 002032ee) and SGLang
/// (the same field among its "extra parameters for SRT backend", python/sglang/srt/entrypoints/openai/protocol.py
/// @ 004c82e0) do; Ollama's ChatCompletionRequest has no such field (openai/openai.go at v0.32.15) and ignores it.
/// </param>
internal sealed record OpenAiFlavour(string OwnedBy, string IdPrefix, Func<int, string, string, string?, JsonObject> Error, bool HonoursIgnoreEos = false);

/// <summary>
/// The OpenAI-compatible endpoints the three engines share: <c>/v1/models</c>, <c>/v1/chat/completions</c> and
/// <c>/v1/completions</c>, with and without <c>stream</c>, usage in a last chunk when <c>stream_options.include_usage</c> asks.
/// </summary>
internal sealed class OpenAiApi(OpenAiFlavour flavour, TimeProvider time)
{
    public async Task ModelsAsync(HttpContext context, IEnumerable<(string Id, string Root)> models, int? maxModelLen, CancellationToken ct)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var data = new JsonArray();
        foreach (var (id, root) in models)
        {
            var card = new JsonObject
            {
                ["id"] = id,
                ["object"] = "model",
                ["created"] = created,
                ["owned_by"] = flavour.OwnedBy,
                ["root"] = root,
                ["parent"] = null,
            };
            if (maxModelLen is { } len)
            {
                card["max_model_len"] = len;
            }

            data.Add(card);
        }

        await context.Response.WriteJsonAsync(200, new JsonObject { ["object"] = "list", ["data"] = data }, ct);
    }

    /// <summary>Answers a chat or text completion; <paramref name="resolveModel"/> returns the model to report, or null for an unknown one.</summary>
    public async Task CompleteAsync(HttpContext context, bool chat, EngineCore core, Func<string?, string?> resolveModel, CancellationToken ct)
    {
        if (await ReadModelRequestAsync(context, resolveModel, ct) is not (var body, var model))
        {
            return;
        }

        string prompt;
        if (chat)
        {
            if (body["messages"] is not JsonArray { Count: > 0 } messages)
            {
                await ErrorAsync(context, 400, "messages must be a non-empty list", "BadRequestError", "messages", ct);
                return;
            }

            prompt = string.Join("\n", messages.OfType<JsonObject>().Select(MessageText));
        }
        else
        {
            prompt = body["prompt"] switch
            {
                JsonArray parts => string.Join("", parts.Select(p => p?.ToString())),
                { } p => p.ToString(),
                null => "",
            };
        }

        var maxTokens = (int?)body.Long("max_completion_tokens") ?? (int?)body.Long("max_tokens");
        var stream = body["stream"] is JsonValue s && s.TryGetValue<bool>(out var b) && b;
        var includeUsage = body["stream_options"]?["include_usage"] is JsonValue u && u.TryGetValue<bool>(out var iu) && iu;
        var ignoreEos = flavour.HonoursIgnoreEos && body["ignore_eos"] is JsonValue ie && ie.TryGetValue<bool>(out var ieValue) && ieValue;
        var id = flavour.IdPrefix + Guid.NewGuid().ToString("N");
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        if (stream)
        {
            await StreamAsync(context, chat, core, prompt, maxTokens, model, id, created, includeUsage, ignoreEos, ct);
            return;
        }

        var text = new System.Text.StringBuilder();
        var summary = await core.GenerateAsync(prompt, maxTokens, (token, _) =>
        {
            text.Append(token);
            return Task.CompletedTask;
        }, ct, ignoreEos: ignoreEos);
        var choice = chat
            ? new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text.ToString(), ["tool_calls"] = new JsonArray() },
                ["logprobs"] = null,
                ["finish_reason"] = summary.FinishReason,
            }
            : new JsonObject { ["index"] = 0, ["text"] = text.ToString(), ["logprobs"] = null, ["finish_reason"] = summary.FinishReason };
        await context.Response.WriteJsonAsync(200, new JsonObject
        {
            ["id"] = id,
            ["object"] = chat ? "chat.completion" : "text_completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(choice),
            ["usage"] = Usage(summary),
        }, ct);
    }

    /// <summary>
    /// <c>/v1/embeddings</c>: one prefill-only request per input through the engine's batch, an OpenAI list with
    /// float or base64 vectors and <c>usage</c> counting the prompt tokens the engine used.
    /// </summary>
    public async Task EmbeddingsAsync(HttpContext context, EngineCore core, Func<string?, string?> resolveModel, CancellationToken ct)
    {
        if (await ReadModelRequestAsync(context, resolveModel, ct) is not (var body, var model))
        {
            return;
        }

        if (EmbeddingVectors.Inputs(body["input"]) is not { } inputs)
        {
            await ErrorAsync(context, 400, "input must be a string or a list of strings", "BadRequestError", "input", ct);
            return;
        }

        var base64 = string.Equals((string?)body["encoding_format"], "base64", StringComparison.OrdinalIgnoreCase);
        var counts = await Task.WhenAll(inputs.Select(text => core.EmbedAsync(text, ct)));
        var dimensions = EmbeddingVectors.DimensionsOf(model);
        var data = new JsonArray(inputs.Select((text, i) => (JsonNode)new JsonObject
        {
            ["index"] = i,
            ["object"] = "embedding",
            ["embedding"] = EmbeddingVectors.Encode(EmbeddingVectors.For(model, text, dimensions), base64),
        }).ToArray());
        var prompt = counts.Sum();
        await context.Response.WriteJsonAsync(200, new JsonObject
        {
            ["id"] = "embd-" + Guid.NewGuid().ToString("N"),
            ["object"] = "list",
            ["created"] = time.GetUtcNow().ToUnixTimeSeconds(),
            ["model"] = model,
            ["data"] = data,
            ["usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["total_tokens"] = prompt, ["completion_tokens"] = 0 },
        }, ct);
    }

    /// <summary>The request's JSON body and the model it names, or null once bad JSON (400) or an unknown model (404) was answered.</summary>
    private async Task<(JsonObject Body, string Model)?> ReadModelRequestAsync(HttpContext context, Func<string?, string?> resolveModel, CancellationToken ct)
    {
        var body = await context.Request.ReadJsonObjectAsync(ct);
        if (body is null)
        {
            await ErrorAsync(context, 400, "Invalid JSON body", "BadRequestError", null, ct);
            return null;
        }

        var requested = (string?)body["model"];
        if (resolveModel(requested) is not { } model)
        {
            await ErrorAsync(context, 404, $"The model `{requested}` does not exist.", "NotFoundError", "model", ct);
            return null;
        }

        return (body, model);
    }

    public Task ErrorAsync(HttpContext context, int status, string message, string type, string? param, CancellationToken ct) =>
        context.Response.WriteJsonAsync(status, flavour.Error(status, message, type, param), ct);

    private async Task StreamAsync(HttpContext context, bool chat, EngineCore core, string prompt, int? maxTokens, string model, string id, long created, bool includeUsage, bool ignoreEos, CancellationToken ct)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(ct);

        JsonObject Chunk(JsonObject choice) => new()
        {
            ["id"] = id,
            ["object"] = chat ? "chat.completion.chunk" : "text_completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(choice),
        };

        if (chat)
        {
            await response.WriteEventAsync(Serialize(Chunk(new JsonObject
            {
                ["index"] = 0, ["delta"] = new JsonObject { ["role"] = "assistant", ["content"] = "" }, ["logprobs"] = null, ["finish_reason"] = null,
            })), ct);
        }

        var summary = await core.GenerateAsync(prompt, maxTokens, (token, _) => response.WriteEventAsync(Serialize(Chunk(chat
            ? new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = token }, ["logprobs"] = null, ["finish_reason"] = null }
            : new JsonObject { ["index"] = 0, ["text"] = token, ["logprobs"] = null, ["finish_reason"] = null })), ct), ct, ignoreEos: ignoreEos);

        await response.WriteEventAsync(Serialize(Chunk(chat
            ? new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = "" }, ["logprobs"] = null, ["finish_reason"] = summary.FinishReason }
            : new JsonObject { ["index"] = 0, ["text"] = "", ["logprobs"] = null, ["finish_reason"] = summary.FinishReason })), ct);
        if (includeUsage)
        {
            var usage = Chunk(new JsonObject());
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(summary);
            await response.WriteEventAsync(Serialize(usage), ct);
        }

        await response.WriteEventAsync("[DONE]", ct);
    }

    private static JsonObject Usage(RequestSummary s) => new()
    {
        ["prompt_tokens"] = s.PromptTokens,
        ["total_tokens"] = s.PromptTokens + s.GenerationTokens,
        ["completion_tokens"] = s.GenerationTokens,
    };

    public static string MessageText(JsonObject message) => message["content"] switch
    {
        JsonArray parts => string.Join(" ", parts.OfType<JsonObject>().Select(p => (string?)p["text"]).Where(t => t is not null)),
        { } content => content.ToString(),
        null => "",
    };

    private static string Serialize(JsonNode node) => node.ToJsonString(JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
