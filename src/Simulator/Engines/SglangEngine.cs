using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Portal.Simulator.Engines;

/// <summary>
/// SGLang's server (<c>python3 -m sglang.launch_server</c>) as the release in the image tag behaves: listens at once,
/// /health 503 until warm-up ends and then a one-token generation check, /metrics only with --enable-metrics,
/// flat OpenAI error objects, embeddings with --is-embedding.
/// </summary>
internal sealed class SglangEngine : SimulatedEngine
{
    private readonly EngineVersion _version;
    private readonly bool _isEmbedding;
    private readonly OpenAiApi _openAi;
    private readonly EngineCore _core;
    private readonly IEngineMetrics _metrics;
    private readonly string? _apiKey;
    private readonly int _contextLength;
    private readonly double _memoryFraction;

    public SglangEngine(EngineContext context, EngineLaunch launch) : base(context, launch)
    {
        _version = EngineVersion.OfImage(Framework.Sglang, launch.Image);
        _isEmbedding = launch.HasFlag("is-embedding");
        _contextLength = launch.IntFlag("context-length") ?? 32768;
        _memoryFraction = launch.DoubleFlag("mem-fraction-static") ?? 0.88;
        _metrics = launch.HasFlag("enable-metrics") ? new SglangMetrics(_version, launch.PrimaryModelName, _contextLength) : NoMetrics.Instance;
        _core = new EngineCore(context.Settings, PerformanceProfile.Sglang, launch.IntFlag("max-running-requests"), launch.IntFlag("max-total-tokens"),
            EngineCapacity.KvTokensFor(launch.Model, context.GpuMemoryMiB, launch.Gpus, _memoryFraction), !launch.HasFlag("disable-radix-cache"), _metrics, context.Time);
        _apiKey = launch.Flag("api-key")?.Split('\u0000')[0];
        _openAi = new OpenAiApi(new OpenAiFlavour("sglang", "", Error, HonoursIgnoreEos: true), context.Time);
    }

    public override bool ServesMetrics => Launch.HasFlag("enable-metrics");

    public override double Utilization => _core.Utilization;

    public override double MemoryFraction => Loaded ? _memoryFraction : 0;

    protected override IEnumerable<string> StartupLines() =>
    [
        $"[server_args] model_path='{Launch.Model}', served_model_name='{Launch.PrimaryModelName}', host='{Launch.Host}', port={Launch.Port}, enable_metrics={Launch.HasFlag("enable-metrics")}",
        "Load weight begin.",
        $"INFO:     Uvicorn running on http://{Launch.Host}:{Launch.Port} (Press CTRL+C to quit)",
    ];

    protected override IEnumerable<string> ReadyLines() =>
    [
        "Load weight end.",
        "The server is fired up and ready to roll!",
    ];

    protected override async Task HandleAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var (method, path) = (context.Request.Method, context.Request.Path.Value ?? "/");
        var open = path.StartsWith("/health", StringComparison.Ordinal) || path == "/metrics";
        if (!open && _apiKey is not null && context.Request.Headers.Authorization != $"Bearer {_apiKey}")
        {
            await context.Response.WriteJsonAsync(401, new JsonObject { ["error"] = "Unauthorized" }, ct);
            return;
        }

        if (!Loaded && !open)
        {
            await _openAi.ErrorAsync(context, 503, "The server is not ready yet.", "ServiceUnavailable", null, ct);
            return;
        }

        switch (method, path)
        {
            case ("GET", "/health" or "/health_generate"):
                context.Response.StatusCode = await HealthAsync(path == "/health_generate", ct);
                break;
            case ("GET", "/metrics") when ServesMetrics:
                _metrics.Refresh(_core.Load());
                await context.Response.WriteTextAsync(200, await _metrics.ExportAsync(ct) ?? "", "text/plain; version=0.0.4; charset=utf-8", ct);
                break;
            case ("GET", "/model_info" or "/get_model_info"):
                await context.Response.WriteJsonAsync(200, new JsonObject
                {
                    ["model_path"] = Launch.Model,
                    ["tokenizer_path"] = Launch.Model,
                    ["is_generation"] = !_isEmbedding,
                    ["preferred_sampling_params"] = null,
                    ["weight_version"] = "default",
                    ["has_image_understanding"] = false,
                    ["has_audio_understanding"] = false,
                }, ct);
                break;
            case ("GET", "/server_info" or "/get_server_info"):
                var info = new JsonObject
                {
                    ["model_path"] = Launch.Model,
                    ["served_model_name"] = Launch.PrimaryModelName,
                    ["host"] = Launch.Host,
                    ["port"] = Launch.Port,
                    ["context_length"] = _contextLength,
                    ["mem_fraction_static"] = _memoryFraction,
                    ["enable_metrics"] = ServesMetrics,
                    ["version"] = _version.ToString(),
                };
                await context.Response.WriteJsonAsync(200, info, ct);
                break;
            case ("POST", "/flush_cache"):
                await context.Response.WriteTextAsync(200, "Cache flushed.\nPlease check backend logs for more details. (When there are running or waiting requests, the operation will not be performed.)\n", "text/plain", ct);
                break;
            case ("GET", "/v1/models"):
                await _openAi.ModelsAsync(context, [(Launch.PrimaryModelName, Launch.Model ?? Launch.PrimaryModelName)], _contextLength, ct);
                break;
            case ("POST", "/v1/embeddings") when !_isEmbedding:
                await _openAi.ErrorAsync(context, 400,
                    "This model does not appear to be an embedding model by default. Please add `--is-embedding` when launching the server or try another model.",
                    "BadRequestError", null, ct);
                break;
            case ("POST", "/v1/embeddings"):
                await _openAi.EmbeddingsAsync(context, _core, requested => requested ?? Launch.PrimaryModelName, ct);
                break;
            case ("POST", "/v1/chat/completions"):
                await _openAi.CompleteAsync(context, chat: true, _core, requested => requested ?? Launch.PrimaryModelName, ct);
                break;
            case ("POST", "/v1/completions"):
                await _openAi.CompleteAsync(context, chat: false, _core, requested => requested ?? Launch.PrimaryModelName, ct);
                break;
            case ("POST", "/generate"):
                await GenerateAsync(context, ct);
                break;
            default:
                await context.Response.WriteJsonAsync(404, new JsonObject { ["detail"] = "Not Found" }, ct);
                break;
        }
    }

    /// <summary>
    /// SGLang's health check. Releases from 0.4.10 serve /health and /health_generate with one handler: 503 while starting,
    /// else it submits a one-token generation and polls once a second (<see cref="EngineSettings.SglangHealthPollInterval"/>)
    /// until the scheduler has produced any output since the check began, answering 503 after
    /// <c>SGLANG_HEALTH_CHECK_TIMEOUT</c> (default 20 s) without. From 0.5.6, <c>SGLANG_ENABLE_HEALTH_ENDPOINT_GENERATION=0</c>
    /// turns /health into a plain 200. Before 0.4.10, /health was always a plain 200.
    /// </summary>
    private async Task<int> HealthAsync(bool generate, CancellationToken ct)
    {
        if (_version.Below("0.4.10") && !generate)
        {
            return 200;
        }

        if (!Loaded)
        {
            return 503;
        }

        if (!generate && _version.AtLeast("0.5.6") && EnvFalse(Launch.Env.GetValueOrDefault("SGLANG_ENABLE_HEALTH_ENDPOINT_GENERATION")))
        {
            return 200;
        }

        var timeout = TimeSpan.FromSeconds(int.TryParse(Launch.Env.GetValueOrDefault("SGLANG_HEALTH_CHECK_TIMEOUT"), out var t) ? t : 20);
        var tic = Context.Time.GetTimestamp();
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(ct, Stopping);
        var request = _core.GenerateAsync("", 1, (_, _) => Task.CompletedTask, probe.Token, recordMetrics: false);
        try
        {
            while (Context.Time.GetElapsedTime(tic) < timeout)
            {
                await Task.Delay(Context.Settings.SglangHealthPollInterval, Context.Time, ct);
                if (_core.LastOutputTimestamp > tic)
                {
                    return 200;
                }
            }

            WriteLog($"[http_server] Health check failed. Server couldn't get a response from detokenizer for last {timeout.TotalSeconds:0} seconds.");
            return 503;
        }
        finally
        {
            await probe.CancelAsync();
            await request.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private static bool EnvFalse(string? value) => value?.Trim().ToLowerInvariant() is "0" or "false" or "no" or "off";

    /// <summary>SGLang's native <c>/generate</c>: <c>{"text": …, "sampling_params": {"max_new_tokens": n}}</c>.</summary>
    private async Task GenerateAsync(HttpContext context, CancellationToken ct)
    {
        var body = await context.Request.ReadJsonObjectAsync(ct);
        var prompt = (string?)body?["text"] ?? "";
        var maxNew = (int?)(body?["sampling_params"]?["max_new_tokens"] as JsonValue)?.GetValue<int>();
        var text = new System.Text.StringBuilder();
        var summary = await _core.GenerateAsync(prompt, maxNew, (token, _) =>
        {
            text.Append(token);
            return Task.CompletedTask;
        }, ct);
        await context.Response.WriteJsonAsync(200, new JsonObject
        {
            ["text"] = text.ToString(),
            ["meta_info"] = new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString("N"),
                ["finish_reason"] = new JsonObject { ["type"] = summary.FinishReason },
                ["prompt_tokens"] = summary.PromptTokens,
                ["completion_tokens"] = summary.GenerationTokens,
                ["cached_tokens"] = 0,
                ["e2e_latency"] = summary.EndToEnd.TotalSeconds,
            },
        }, ct);
    }

    private static JsonObject Error(int code, string message, string type, string? param) => new()
    {
        ["object"] = "error",
        ["message"] = message,
        ["type"] = type,
        ["param"] = param,
        ["code"] = code,
    };
}
