using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Portal.Simulator.Engines;

/// <summary>vLLM's OpenAI-compatible server (<c>vllm serve</c>): refuses connections until loaded, then /health 200.</summary>
internal sealed class VllmEngine : SimulatedEngine
{
    private const string Version = "0.10.1";
    private readonly OpenAiApi _openAi;
    private readonly EngineCore _core;
    private readonly VllmMetrics _metrics;
    private readonly IReadOnlyList<string> _apiKeys;
    private readonly int _maxModelLen;
    private readonly double _memoryUtilization;

    public VllmEngine(EngineContext context, EngineLaunch launch) : base(context, launch)
    {
        _maxModelLen = launch.IntFlag("max-model-len") ?? 32768;
        _memoryUtilization = launch.DoubleFlag("gpu-memory-utilization") ?? 0.9;
        _metrics = new VllmMetrics(launch.PrimaryModelName, _maxModelLen, _memoryUtilization);
        _core = new EngineCore(context.Settings, launch.IntFlag("max-num-seqs"), _metrics, context.Time);
        _apiKeys = launch.Flag("api-key")?.Split('\u0000') ?? (launch.Env.GetValueOrDefault("VLLM_API_KEY") is { } key ? [key] : []);
        _openAi = new OpenAiApi(new OpenAiFlavour("vllm", "chatcmpl-", Error), context.Time);
    }

    public override bool ServesMetrics => true;

    public override double Utilization => _core.Utilization;

    public override double MemoryFraction => Loaded ? _memoryUtilization : 0;

    public EngineCore Core => _core;

    protected override bool ListensBeforeLoaded => false;

    protected override IEnumerable<string> StartupLines() =>
    [
        $"INFO [api_server.py] vLLM API server version {Version}",
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
                await context.Response.WriteJsonAsync(200, new JsonObject { ["version"] = Version }, ct);
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
            case ("POST", "/v1/chat/completions"):
                await _openAi.CompleteAsync(context, chat: true, _core, ResolveModel, ct);
                break;
            case ("POST", "/v1/completions"):
                await _openAi.CompleteAsync(context, chat: false, _core, ResolveModel, ct);
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

    private string? ResolveModel(string? requested) =>
        requested is null ? Launch.PrimaryModelName : Launch.ServedModelNames.Contains(requested) ? requested : null;

    private bool Authorized(HttpContext context) =>
        _apiKeys.Count == 0 || _apiKeys.Any(k => context.Request.Headers.Authorization == $"Bearer {k}");

    private static JsonObject Error(int code, string message, string type, string? param) => new()
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code },
    };
}
