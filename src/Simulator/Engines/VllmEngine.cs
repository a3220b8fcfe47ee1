using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Portal.Simulator.Engines;

/// <summary>
/// vLLM's OpenAI-compatible server (<c>vllm serve</c>) as the release in the image tag behaves: refuses connections until
/// loaded, then /health 200; a generate model or, with <c>--runner pooling</c>, an embedding model.
/// </summary>
internal sealed partial class VllmEngine : SimulatedEngine
{
    private readonly EngineVersion _version;
    private readonly bool _pooling;
    private readonly OpenAiApi _openAi;
    private readonly EngineCore _core;
    private readonly VllmMetrics _metrics;
    private readonly IReadOnlyList<string> _apiKeys;
    private readonly int _maxModelLen;
    private readonly double _memoryUtilization;

    public VllmEngine(EngineContext context, EngineLaunch launch) : base(context, launch)
    {
        _version = EngineVersion.OfImage(Framework.Vllm, launch.Image);
        _pooling = IsPoolingModel(launch);
        _maxModelLen = launch.IntFlag("max-model-len") ?? 32768;
        _memoryUtilization = launch.DoubleFlag("gpu-memory-utilization") ?? (_version.AtLeast("0.30.0") ? 0.92 : 0.9);
        _metrics = new VllmMetrics(_version, launch.Flag("show-hidden-metrics-for-version"), launch.PrimaryModelName, _maxModelLen, _memoryUtilization);
        var kvFlag = launch.IntFlag("num-gpu-blocks-override") is { } blocks ? blocks * (long)(launch.IntFlag("block-size") ?? 16) : (long?)null;
        var prefixCaching = !launch.HasFlag("no-enable-prefix-caching");
        _core = new EngineCore(context.Settings, PerformanceProfile.Vllm, launch.IntFlag("max-num-seqs"), kvFlag,
            EngineCapacity.KvTokensFor(launch.Model, context.GpuMemoryMiB, launch.Gpus, _memoryUtilization), prefixCaching, _metrics, context.Time);
        _apiKeys = launch.Flag("api-key")?.Split('\u0000') ?? (launch.Env.GetValueOrDefault("VLLM_API_KEY") is { } key ? [key] : []);
        _openAi = new OpenAiApi(new OpenAiFlavour("vllm", "chatcmpl-", Error, HonoursIgnoreEos: true), context.Time);
    }

    public override bool ServesMetrics => true;

    public override double Utilization => _core.Utilization;

    public override double MemoryFraction => Loaded ? _memoryUtilization : 0;

    public EngineCore Core => _core;

    protected override bool ListensBeforeLoaded => false;

    protected override IEnumerable<string> StartupLines() =>
    [
        $"INFO [api_server.py] vLLM API server version {_version}",
        $"INFO [api_server.py] args: model='{Launch.Model}', served_model_name={string.Join(",", Launch.ServedModelNames)}, port={Launch.Port}",
        $"INFO [gpu_model_runner.py] Starting to load model {Launch.Model}...",
    ];

    protected override IEnumerable<string> ReadyLines() =>
    [
        "INFO [gpu_model_runner.py] Model loading took 14.9 GiB and 42.1 seconds",
        $"INFO [api_server.py] Starting vLLM API server 0 on http://{Launch.Host}:{Launch.Port}",
        "INFO:     Application startup complete.",
    ];

    protected override async Task HandleAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var (method, path) = (context.Request.Method, context.Request.Path.Value ?? "/");
        if (path.StartsWith("/v1/", StringComparison.Ordinal) && !Authorized(context))
        {
            await context.Response.WriteJsonAsync(401, new JsonObject { ["error"] = "Unauthorized" }, ct);
            return;
        }

        switch (method, path)
        {
            case ("GET", "/health"):
                context.Response.StatusCode = 200;
                break;
            case ("GET" or "POST", "/ping"):
                context.Response.StatusCode = 200;
                break;
            case ("GET", "/version"):
                await context.Response.WriteJsonAsync(200, new JsonObject { ["version"] = _version.ToString() }, ct);
                break;
            case ("GET", "/load"):
                await context.Response.WriteJsonAsync(200, new JsonObject { ["server_load"] = _core.Running + _core.Waiting }, ct);
                break;
            case ("GET", "/metrics"):
                _metrics.Refresh(_core.Load());
                await context.Response.WriteTextAsync(200, await _metrics.ExportAsync(ct) ?? "", "text/plain; version=0.0.4; charset=utf-8", ct);
                break;
            case ("GET", "/v1/models"):
                await _openAi.ModelsAsync(context, Launch.ServedModelNames.Select(n => (n, Launch.Model ?? n)), _maxModelLen, ct);
                break;
            case ("POST", "/v1/chat/completions" or "/v1/completions") when _pooling:
                await NotGenerateAsync(context, path == "/v1/chat/completions" ? "Chat Completions API" : "Completions API", ct);
                break;
            case ("POST", "/v1/chat/completions"):
                await _openAi.CompleteAsync(context, chat: true, _core, ResolveModel, ct);
                break;
            case ("POST", "/v1/completions"):
                await _openAi.CompleteAsync(context, chat: false, _core, ResolveModel, ct);
                break;
            case ("POST", "/v1/embeddings") when _pooling:
                await _openAi.EmbeddingsAsync(context, _core, ResolveModel, ct);
                break;
            case ("POST", "/v1/embeddings") when _version.Below("0.11.0"):
                // 0.10 registers the route for every model and refuses it for a generate model.
                await _openAi.ErrorAsync(context, 400, "The model does not support Embeddings API", "BadRequestError", null, ct);
                break;
            case ("POST", "/tokenize"):
                var body = await context.Request.ReadJsonObjectAsync(ct);
                var text = (string?)body?["prompt"] ?? string.Join("\n", (body?["messages"] as JsonArray ?? []).OfType<JsonObject>().Select(OpenAiApi.MessageText));
                var count = ReplyWriter.CountTokens(text);
                await context.Response.WriteJsonAsync(200, new JsonObject
                {
                    ["count"] = count, ["max_model_len"] = _maxModelLen, ["tokens"] = new JsonArray(Enumerable.Range(1000, count).Select(i => (JsonNode)i).ToArray()),
                }, ct);
                break;
            default:
                await context.Response.WriteJsonAsync(404, new JsonObject { ["detail"] = "Not Found" }, ct);
                break;
        }
    }

    /// <summary>
    /// Pooling runner: <c>--runner pooling</c>, <c>--convert embed</c> or the older <c>--task embed</c>; <c>--runner auto</c>
    /// (the default) picks it from the model's architecture, which the simulator guesses from the model's name.
    /// </summary>
    private static bool IsPoolingModel(EngineLaunch launch) =>
        launch.Flag("runner") is "pooling"
        || launch.Flag("convert") is "embed"
        || launch.Flag("task") is "embed" or "embedding"
        || (launch.Flag("runner") is null or "auto" && launch.Model is { } model && EmbeddingModelName().IsMatch(model));

    [System.Text.RegularExpressions.GeneratedRegex("(?i)(embed|bge-|/e5-|gte-|minilm)")]
    private static partial System.Text.RegularExpressions.Regex EmbeddingModelName();

    /// <summary>A pooling model asked to generate: 0.10 answers 400; later releases raise NotImplementedError, a bare 500.</summary>
    private async Task NotGenerateAsync(HttpContext context, string api, CancellationToken ct)
    {
        if (_version.Below("0.11.0"))
        {
            await _openAi.ErrorAsync(context, 400, $"The model does not support {api}", "BadRequestError", null, ct);
            return;
        }

        await context.Response.WriteTextAsync(500, "Internal Server Error", "text/plain; charset=utf-8", ct);
    }

    private string? ResolveModel(string? requested) =>
        requested is null ? Launch.PrimaryModelName : Launch.ServedModelNames.Contains(requested) ? requested : null;

    private bool Authorized(HttpContext context) =>
        _apiKeys.Count == 0 || _apiKeys.Any(k => context.Request.Headers.Authorization == $"Bearer {k}");

    private static JsonObject Error(int code, string message, string type, string? param) => new()
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code },
    };
}
