using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Portal.Simulator.Api;

namespace Portal.Simulator.Engines;

/// <summary>
/// Ollama (<c>ollama serve</c>): answers at once ("Ollama is running"), knows a model only after
/// <c>/api/pull</c>, loads it on first use, streams NDJSON on its native API and SSE on its /v1 layer.
/// It has no Prometheus endpoint.
/// </summary>
internal sealed partial class OllamaEngine : SimulatedEngine
{
    private readonly EngineVersion _version;
    private readonly ConcurrentDictionary<string, PulledModel> _models = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _loaded = new();
    private readonly ConcurrentDictionary<string, Task> _loading = new();
    private readonly OpenAiApi _openAi;
    private readonly EngineCore _core;
    private readonly TimeSpan _keepAlive;
    private readonly int _maxQueue;
    private int _pendingForLoad;

    public OllamaEngine(EngineContext context, EngineLaunch launch) : base(context, launch)
    {
        _version = EngineVersion.OfImage(Framework.Ollama, launch.Image);
        // envconfig: OLLAMA_NUM_PARALLEL defaults to 1, OLLAMA_MAX_QUEUE to 512.
        var parallel = int.TryParse(launch.Env.GetValueOrDefault("OLLAMA_NUM_PARALLEL"), out var p) && p > 0 ? p : 1;
        _maxQueue = int.TryParse(launch.Env.GetValueOrDefault("OLLAMA_MAX_QUEUE"), out var q) && q > 0 ? q : 512;
        _core = new EngineCore(context.Settings, PerformanceProfile.Ollama, parallel, null,
            EngineCapacity.KvTokensFor(null, context.GpuMemoryMiB, launch.Gpus, 0.9), prefixCaching: false, NoMetrics.Instance, context.Time);
        _keepAlive = ParseKeepAlive(launch.Env.GetValueOrDefault("OLLAMA_KEEP_ALIVE"));
        _openAi = new OpenAiApi(new OpenAiFlavour("library", "chatcmpl-", Error), context.Time);
    }

    public override double Utilization => _core.Utilization;

    public override double MemoryFraction
    {
        get
        {
            var bytes = _loaded.Keys.Sum(name => _models.TryGetValue(name, out var m) ? m.Size : 0);
            var perGpu = bytes / (double)Math.Max(1, Launch.Gpus) / (1024.0 * 1024);
            return Math.Min(1.0, perGpu / Context.GpuMemoryMiB);
        }
    }

    /// <summary>Ollama is ready at once: weights load on a model's first use.</summary>
    protected override TimeSpan StartupTime => TimeSpan.Zero;

    protected override IEnumerable<string> StartupLines() =>
    [
        $"time={Context.Time.GetUtcNow():O} level=INFO source=routes.go msg=\"Listening on {Launch.Host}:{Launch.Port} (version {_version})\"",
    ];

    protected override IEnumerable<string> ReadyLines() =>
    [
        $"time={Context.Time.GetUtcNow():O} level=INFO source=types.go msg=\"inference compute\" library=cuda",
    ];

    protected override async Task HandleAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var (method, path) = (context.Request.Method, context.Request.Path.Value ?? "/");
        switch (method, path)
        {
            case ("GET" or "HEAD", "/"):
                await context.Response.WriteTextAsync(200, "Ollama is running", "text/plain; charset=utf-8", ct);
                break;
            case ("GET" or "HEAD", "/api/version"):
                await context.Response.WriteJsonAsync(200, new JsonObject { ["version"] = _version.ToString() }, ct);
                break;
            case ("GET" or "HEAD", "/api/tags"):
                await context.Response.WriteJsonAsync(200, new JsonObject { ["models"] = new JsonArray(_models.Values.OrderBy(m => m.Name).Select(m => (JsonNode)m.ToJson()).ToArray()) }, ct);
                break;
            case ("GET", "/api/ps"):
                await context.Response.WriteJsonAsync(200, new JsonObject { ["models"] = new JsonArray(LoadedModels().ToArray()) }, ct);
                break;
            case ("POST", "/api/pull"):
                await PullAsync(context, ct);
                break;
            case ("POST", "/api/show"):
                await ShowAsync(context, ct);
                break;
            case ("DELETE", "/api/delete"):
                var delete = await context.Request.ReadJsonObjectAsync(ct);
                var deleteName = Normalise((string?)delete?["model"] ?? (string?)delete?["name"]);
                context.Response.StatusCode = _models.TryRemove(deleteName, out _) ? 200 : 404;
                _loaded.TryRemove(deleteName, out _);
                break;
            case ("POST", "/api/chat"):
                await NativeAsync(context, chat: true, ct);
                break;
            case ("POST", "/api/generate"):
                await NativeAsync(context, chat: false, ct);
                break;
            case ("GET", "/v1/models"):
                await _openAi.ModelsAsync(context, _models.Keys.Order().Select(n => (n, n)), null, ct);
                break;
            case ("POST", "/v1/chat/completions" or "/v1/completions"):
                await OpenAiCompleteAsync(context, chat: path == "/v1/chat/completions", ct);
                break;
            case ("POST", "/api/embed"):
                await EmbedAsync(context, ct);
                break;
            case ("POST", "/v1/embeddings"):
                await OpenAiEmbeddingsAsync(context, ct);
                break;
            default:
                await context.Response.WriteTextAsync(404, "404 page not found", "text/plain", ct);
                break;
        }
    }

    /// <summary>The OpenAI layer runs through the same handlers, so it loads the model and meets the same queue.</summary>
    private async Task OpenAiCompleteAsync(HttpContext context, bool chat, CancellationToken ct)
    {
        context.Request.EnableBuffering();
        var body = await context.Request.ReadJsonObjectAsync(ct);
        context.Request.Body.Position = 0;
        var name = Normalise((string?)body?["model"]);
        if (_models.ContainsKey(name) && !(await ScheduleAsync(name, ct)).Admitted)
        {
            await context.Response.WriteJsonAsync(503, Error(503, MaxQueueError, "", null), ct);
            return;
        }

        await _openAi.CompleteAsync(context, chat, _core, ResolveForOpenAi, ct);
    }

    private string? ResolveForOpenAi(string? requested)
    {
        var name = Normalise(requested);
        return _models.ContainsKey(name) ? requested : null;
    }

    private async Task PullAsync(HttpContext context, CancellationToken ct)
    {
        var body = await context.Request.ReadJsonObjectAsync(ct);
        var name = Normalise((string?)body?["model"] ?? (string?)body?["name"]);
        if (name.Length == 0)
        {
            await context.Response.WriteJsonAsync(400, new JsonObject { ["error"] = "model is required" }, ct);
            return;
        }

        var stream = body?["stream"] is not JsonValue s || !s.TryGetValue<bool>(out var b) || b;
        var model = PulledModel.For(name, Context.Time.GetUtcNow());
        var pull = new OllamaPull(Context, Context.Settings.Faults.OllamaPull);
        await OllamaPull.RespondAsync(context, stream, async write =>
        {
            var error = await pull.RunAsync(name, OllamaPull.LayersOf(name, model.Size), write, ct);
            if (error is null)
            {
                _models[name] = model;
                WriteLog($"time={Context.Time.GetUtcNow():O} level=INFO source=images.go msg=\"pulled model\" model={name}");
            }

            return error;
        }, ct);
    }

    /// <summary>
    /// Admits a request for a model that is not loaded yet the way Ollama's scheduler does: it waits in the pending queue
    /// while the model loads, and past <c>OLLAMA_MAX_QUEUE</c> waiting requests the answer is 503. Requests for a loaded
    /// model go straight to its runner and wait there for one of <c>OLLAMA_NUM_PARALLEL</c> slots.
    /// </summary>
    private async Task<(bool Admitted, TimeSpan LoadDuration)> ScheduleAsync(string name, CancellationToken ct)
    {
        if (_loaded.TryGetValue(name, out var expires) && expires > Context.Time.GetUtcNow())
        {
            _loaded[name] = Context.Time.GetUtcNow() + _keepAlive;
            return (true, TimeSpan.Zero);
        }

        // The scheduler takes the first request off the pending channel at once; the channel holds OLLAMA_MAX_QUEUE more.
        if (Interlocked.Increment(ref _pendingForLoad) > _maxQueue + 1)
        {
            Interlocked.Decrement(ref _pendingForLoad);
            return (false, TimeSpan.Zero);
        }

        try
        {
            var start = Context.Time.GetTimestamp();
            await _loading.GetOrAdd(name, LoadAsync).WaitAsync(ct);
            return (true, Context.Time.GetElapsedTime(start));
        }
        finally
        {
            Interlocked.Decrement(ref _pendingForLoad);
        }
    }

    private async Task LoadAsync(string name)
    {
        await Task.Delay(Context.ModelLoadTime, Context.Time, Stopping);
        _loaded[name] = Context.Time.GetUtcNow() + _keepAlive;
        _loading.TryRemove(name, out _);
        WriteLog($"time={Context.Time.GetUtcNow():O} level=INFO source=server.go msg=\"llama runner started\" model={name}");
    }

    /// <summary>sched.go ErrMaxQueue, answered 503 by handleScheduleError.</summary>
    private const string MaxQueueError = "server busy, please try again.  maximum pending requests exceeded";

    /// <summary>Native <c>/api/embed</c>: L2-normalised vectors, optional <c>dimensions</c> truncation (renormalised), prompt_eval_count.</summary>
    private async Task EmbedAsync(HttpContext context, CancellationToken ct)
    {
        var body = await context.Request.ReadJsonObjectAsync(ct);
        if (body is null)
        {
            await context.Response.WriteJsonAsync(400, new JsonObject { ["error"] = "missing request body" }, ct);
            return;
        }

        var requested = (string?)body["model"] ?? "";
        var result = await RunEmbedAsync(requested, body, ct);
        if (result.Error is { } error)
        {
            await context.Response.WriteJsonAsync(error.Status, new JsonObject { ["error"] = error.Message }, ct);
            return;
        }

        await context.Response.WriteJsonAsync(200, new JsonObject
        {
            ["model"] = requested,
            ["embeddings"] = new JsonArray(result.Vectors.Select(v => EmbeddingVectors.Encode(v, base64: false)).ToArray()),
            ["total_duration"] = Nanoseconds(result.Total),
            ["load_duration"] = Nanoseconds(result.Load),
            ["prompt_eval_count"] = result.PromptTokens,
        }, ct);
    }

    /// <summary>The OpenAI layer's <c>/v1/embeddings</c> (openai.ToEmbeddingList): no id, usage from prompt_eval_count.</summary>
    private async Task OpenAiEmbeddingsAsync(HttpContext context, CancellationToken ct)
    {
        var body = await context.Request.ReadJsonObjectAsync(ct);
        if (body is null)
        {
            await context.Response.WriteJsonAsync(400, Error(400, "invalid request body", "invalid_request_error", null), ct);
            return;
        }

        var requested = (string?)body["model"] ?? "";
        var result = await RunEmbedAsync(requested, body, ct);
        if (result.Error is { } error)
        {
            await context.Response.WriteJsonAsync(error.Status, Error(error.Status, error.Message, "", null), ct);
            return;
        }

        var base64 = string.Equals((string?)body["encoding_format"], "base64", StringComparison.OrdinalIgnoreCase);
        await context.Response.WriteJsonAsync(200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(result.Vectors.Select((v, i) => (JsonNode)new JsonObject
            {
                ["object"] = "embedding", ["embedding"] = EmbeddingVectors.Encode(v, base64), ["index"] = i,
            }).ToArray()),
            ["model"] = requested,
            ["usage"] = new JsonObject { ["prompt_tokens"] = result.PromptTokens, ["total_tokens"] = result.PromptTokens },
        }, ct);
    }

    private sealed record EmbedResult(List<float[]> Vectors, int PromptTokens, TimeSpan Total, TimeSpan Load, (int Status, string Message)? Error);

    private async Task<EmbedResult> RunEmbedAsync(string requested, JsonObject body, CancellationToken ct)
    {
        static EmbedResult Fail(int status, string message) => new([], 0, TimeSpan.Zero, TimeSpan.Zero, (status, message));
        var inputs = body["input"] is null ? [] : EmbeddingVectors.Inputs(body["input"]);
        if (inputs is null)
        {
            return Fail(400, "invalid input type");
        }

        var name = Normalise(requested);
        if (!_models.ContainsKey(name))
        {
            return Fail(404, $"model '{requested}' not found");
        }

        var start = Context.Time.GetTimestamp();
        var (admitted, load) = await ScheduleAsync(name, ct);
        if (!admitted)
        {
            return Fail(503, MaxQueueError);
        }

        var counts = await Task.WhenAll(inputs.Where(i => i.Length > 0).Select(text => _core.EmbedAsync(text, ct)));
        var width = EmbeddingVectors.DimensionsOf(name);
        var dimensions = body.Long("dimensions") is > 0 and var wanted ? (int)wanted : width;
        var vectors = inputs.Where(i => i.Length > 0)
            .Select(text => EmbeddingVectors.For(name, text, width))
            .Select(v => dimensions < v.Length ? EmbeddingVectors.Normalise(v[..dimensions]) : v)
            .ToList();
        return new EmbedResult(vectors, counts.Sum(), Context.Time.GetElapsedTime(start), load, null);
    }

    private async Task ShowAsync(HttpContext context, CancellationToken ct)
    {
        var body = await context.Request.ReadJsonObjectAsync(ct);
        var requested = (string?)body?["model"] ?? (string?)body?["name"];
        if (!_models.TryGetValue(Normalise(requested), out var model))
        {
            await context.Response.WriteJsonAsync(404, new JsonObject { ["error"] = $"model '{requested}' not found" }, ct);
            return;
        }

        await context.Response.WriteJsonAsync(200, new JsonObject
        {
            ["modelfile"] = $"FROM {model.Name}\n",
            ["parameters"] = "",
            ["template"] = "{{ .Prompt }}",
            ["details"] = model.Details(),
            ["model_info"] = new JsonObject { ["general.architecture"] = model.Family, ["general.parameter_count"] = model.Parameters },
            ["capabilities"] = new JsonArray("completion"),
            ["modified_at"] = model.ModifiedAt.ToString("O"),
        }, ct);
    }

    private async Task NativeAsync(HttpContext context, bool chat, CancellationToken ct)
    {
        var body = await context.Request.ReadJsonObjectAsync(ct);
        if (body is null)
        {
            await context.Response.WriteJsonAsync(400, new JsonObject { ["error"] = "invalid request body" }, ct);
            return;
        }

        var requested = (string?)body["model"] ?? "";
        var name = Normalise(requested);
        if (!_models.ContainsKey(name))
        {
            await context.Response.WriteJsonAsync(404, new JsonObject { ["error"] = $"model '{requested}' not found" }, ct);
            return;
        }

        var start = Context.Time.GetTimestamp();
        var (admitted, loadDuration) = await ScheduleAsync(name, ct);
        if (!admitted)
        {
            await context.Response.WriteJsonAsync(503, new JsonObject { ["error"] = MaxQueueError }, ct);
            return;
        }

        var prompt = chat
            ? string.Join("\n", (body["messages"] as JsonArray ?? []).OfType<JsonObject>().Select(OpenAiApi.MessageText))
            : (string?)body["prompt"] ?? "";
        var maxTokens = (int?)body["options"].Long("num_predict");
        var stream = body["stream"] is not JsonValue s || !s.TryGetValue<bool>(out var b) || b;
        var text = new StringBuilder();
        var firstToken = 0L;

        JsonObject Line(string content, bool done)
        {
            var line = new JsonObject { ["model"] = requested, ["created_at"] = Context.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) };
            if (chat)
            {
                line["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content };
            }
            else
            {
                line["response"] = content;
            }

            line["done"] = done;
            return line;
        }

        if (stream)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-ndjson";
            await context.Response.StartAsync(ct);
        }

        var summary = await _core.GenerateAsync(prompt, maxTokens, async (token, i) =>
        {
            if (i == 0)
            {
                firstToken = Context.Time.GetTimestamp();
            }

            text.Append(token);
            if (stream)
            {
                await context.Response.WriteLineAsync(Line(token, false), ct);
            }
        }, ct);

        var final = Line(stream ? "" : text.ToString(), true);
        var total = Context.Time.GetElapsedTime(start);
        var promptEval = Context.Time.GetElapsedTime(start, firstToken) - loadDuration;
        final["done_reason"] = summary.FinishReason;
        final["total_duration"] = Nanoseconds(total);
        final["load_duration"] = Nanoseconds(loadDuration);
        final["prompt_eval_count"] = summary.PromptTokens;
        final["prompt_eval_duration"] = Nanoseconds(promptEval);
        final["eval_count"] = summary.GenerationTokens;
        final["eval_duration"] = Nanoseconds(Context.Time.GetElapsedTime(firstToken));
        if (stream)
        {
            await context.Response.WriteLineAsync(final, ct);
        }
        else
        {
            await context.Response.WriteJsonAsync(200, final, ct);
        }
    }

    private IEnumerable<JsonNode> LoadedModels()
    {
        var now = Context.Time.GetUtcNow();
        foreach (var (name, expires) in _loaded.Where(l => l.Value > now))
        {
            if (_models.TryGetValue(name, out var model))
            {
                var entry = model.ToJson();
                entry.Remove("modified_at");
                entry["expires_at"] = expires.ToString("O");
                entry["size_vram"] = Launch.Gpus > 0 ? model.Size : 0;
                entry["context_length"] = int.TryParse(Launch.Env.GetValueOrDefault("OLLAMA_CONTEXT_LENGTH"), out var c) ? c : 4096;
                yield return entry;
            }
        }
    }

    private static long Nanoseconds(TimeSpan t) => (long)(t.TotalMilliseconds * 1_000_000);

    /// <summary>Ollama's model references: <c>qwen2.5</c> means <c>qwen2.5:latest</c>.</summary>
    public static string Normalise(string? name) =>
        string.IsNullOrEmpty(name) ? "" : name.Contains(':', StringComparison.Ordinal) ? name : name + ":latest";

    private static TimeSpan ParseKeepAlive(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return TimeSpan.FromMinutes(5);
        }

        if (long.TryParse(value, out var seconds))
        {
            return seconds < 0 ? TimeSpan.FromDays(3650) : TimeSpan.FromSeconds(seconds);
        }

        var match = GoDuration().Match(value);
        if (value.StartsWith('-'))
        {
            return TimeSpan.FromDays(3650);
        }

        return match.Success
            ? TimeSpan.FromHours(Parse(match.Groups["h"])) + TimeSpan.FromMinutes(Parse(match.Groups["m"])) + TimeSpan.FromSeconds(Parse(match.Groups["s"]))
            : TimeSpan.FromMinutes(5);

        static double Parse(Group g) => g.Success ? double.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
    }

    private static JsonObject Error(int code, string message, string type, string? param) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = code == 404 ? message.Replace("The model `", "model \"").Replace("` does not exist.", "\" not found, try pulling it first") : message,
            ["type"] = code switch { 400 => "invalid_request_error", 404 => "not_found_error", _ => "api_error" },
            ["param"] = null,
            ["code"] = null,
        },
    };

    [GeneratedRegex(@"^((?<h>[\d.]+)h)?((?<m>[\d.]+)m)?((?<s>[\d.]+)s)?$")]
    private static partial Regex GoDuration();

    /// <summary>A model in the local store, its size guessed from the tag (<c>7b</c> ≈ 4.7 GB at 4-bit).</summary>
    private sealed record PulledModel(string Name, string Digest, long Size, string Family, string ParameterSize, long Parameters, DateTimeOffset ModifiedAt)
    {
        public static PulledModel For(string name, DateTimeOffset now)
        {
            var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
            var match = Regex.Match(name, @"(\d+(?:\.\d+)?)b", RegexOptions.IgnoreCase);
            var billions = match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 7;
            var family = name.Split(':')[0].Split('/')[^1].TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '.');
            return new(name, digest, (long)(billions * 0.67e9), family.Length == 0 ? "llama" : family, $"{billions.ToString(CultureInfo.InvariantCulture)}B", (long)(billions * 1e9), now);
        }

        public JsonObject Details() => new()
        {
            ["parent_model"] = "",
            ["format"] = "gguf",
            ["family"] = Family,
            ["families"] = new JsonArray(Family),
            ["parameter_size"] = ParameterSize,
            ["quantization_level"] = "Q4_K_M",
        };

        public JsonObject ToJson() => new()
        {
            ["name"] = Name,
            ["model"] = Name,
            ["modified_at"] = ModifiedAt.ToString("O"),
            ["size"] = Size,
            ["digest"] = Digest["sha256:".Length..],
            ["details"] = Details(),
        };
    }
}
