namespace Portal.Simulator.Engines;

/// <summary>One engine's own metric registry, exported on its /metrics.</summary>
internal abstract class PrometheusEngineMetrics : IEngineMetrics
{

    public abstract void RequestQueued();

    public abstract void RequestStarted(TimeSpan queueTime);

    public abstract void FirstToken(TimeSpan timeToFirstToken);

    public abstract void Token(TimeSpan interTokenLatency);

    public abstract void RequestFinished(RequestSummary summary);

    public void Refresh(EngineLoad load) => UpdateGauges(load);

    public Task<string?> ExportAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(Registry.Export());

    protected abstract MetricRegistry Registry { get; }

    protected abstract void UpdateGauges(EngineLoad load);

    /// <summary>vLLM's 1-2-5 series up to the model's context length.</summary>
    protected static double[] OneTwoFive(int max)
    {
        var buckets = new List<double>();
        for (var scale = 1; ; scale *= 10)
        {
            foreach (var m in new[] { 1, 2, 5 })
            {
                if (m * scale > max)
                {
                    return [.. buckets];
                }

                buckets.Add(m * scale);
            }
        }
    }
}

/// <summary>
/// vLLM V1's metric names as the release in the pod's image exports them, its label set (model_name, engine) and its
/// histogram buckets. Renames: <c>gpu_cache_usage_perc</c> and <c>gpu_prefix_cache_*</c> until 0.10 (hidden in 0.11,
/// gone in 0.12); <c>time_per_output_token_seconds</c> until 0.11 (hidden in 0.12, gone in 0.13), replaced from 0.10.2 by
/// <c>inter_token_latency_seconds</c> and <c>request_time_per_output_token_seconds</c>.
/// </summary>
internal sealed class VllmMetrics : PrometheusEngineMetrics
{
    private static readonly double[] TtftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
    private static readonly double[] TokenLatencyBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
    private static readonly double[] RequestLatencyBuckets = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

    private readonly MetricRegistry _registry;
    private readonly MetricRegistry.Sample _running;
    private readonly MetricRegistry.Sample _waiting;
    private readonly MetricRegistry.Family? _waitingByReason;
    private readonly MetricRegistry.Sample _kvCache;
    private readonly MetricRegistry.Sample? _gpuCache;
    private readonly MetricRegistry.Sample _promptTokens;
    private readonly MetricRegistry.Sample? _promptTokensCached;
    private readonly MetricRegistry.Sample _generationTokens;
    private readonly MetricRegistry.Family _success;
    private readonly MetricRegistry.Sample _prefixQueries;
    private readonly MetricRegistry.Sample _prefixHits;
    private readonly MetricRegistry.Sample? _gpuPrefixQueries;
    private readonly MetricRegistry.Sample? _gpuPrefixHits;
    private readonly MetricRegistry.Sample _ttft;
    private readonly MetricRegistry.Sample? _itl;
    private readonly MetricRegistry.Sample? _tpot;
    private readonly MetricRegistry.Sample? _requestTpot;
    private readonly MetricRegistry.Sample _e2e;
    private readonly MetricRegistry.Sample _queue;
    private readonly MetricRegistry.Sample _inference;
    private readonly MetricRegistry.Sample _prefill;
    private readonly MetricRegistry.Sample _decode;
    private readonly MetricRegistry.Sample _promptLength;
    private readonly MetricRegistry.Sample _generationLength;
    private readonly MetricRegistry.Sample _maxTokensParam;

    public VllmMetrics(EngineVersion version, string? showHiddenFor, string modelName, int maxModelLen, double gpuMemoryUtilization)
    {
        var f = _registry = new MetricRegistry(new Dictionary<string, string> { ["model_name"] = modelName, ["engine"] = "0" });
        var hidden = showHiddenFor is null ? null : EngineVersion.Parse(showHiddenFor);
        bool Shown(string deprecatedIn, string hiddenFrom, string removedIn) =>
            version.Below(hiddenFrom) || (version.Below(removedIn) && hidden is not null && !hidden.Below(deprecatedIn));
        var deprecatedCache = version.AtLeast("0.9.2") ? "DEPRECATED: Use vllm:kv_cache_usage_perc instead." : "";
        var renamedItl = version.AtLeast("0.10.2");

        _running = f.Gauge("vllm:num_requests_running", "Number of requests in model execution batches.").Default;
        _waiting = f.Gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.").Default;
        if (version.AtLeast("0.30.0"))
        {
            _waitingByReason = f.Gauge("vllm:num_requests_waiting_by_reason", "Number of requests waiting to be processed, by reason.", "reason");
        }

        if (Shown("0.9.2", "0.11.0", "0.12.0"))
        {
            _gpuCache = f.Gauge("vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage." + deprecatedCache).Default;
            _gpuPrefixQueries = f.Counter("vllm:gpu_prefix_cache_queries_total", "GPU prefix cache queries, in terms of number of queried tokens. DEPRECATED: Use vllm:prefix_cache_queries instead.").Default;
            _gpuPrefixHits = f.Counter("vllm:gpu_prefix_cache_hits_total", "GPU prefix cache hits, in terms of number of cached tokens. DEPRECATED: Use vllm:prefix_cache_hits instead.").Default;
        }

        _kvCache = f.Gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.").Default;
        _prefixQueries = f.Counter("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.").Default;
        _prefixHits = f.Counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.").Default;
        f.Counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.");
        _promptTokens = f.Counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.").Default;
        if (version.AtLeast("0.30.0"))
        {
            _promptTokensCached = f.Counter("vllm:prompt_tokens_cached_total", "Number of cached prompt tokens (local + external).").Default;
        }

        _generationTokens = f.Counter("vllm:generation_tokens_total", "Number of generation tokens processed.").Default;
        _success = f.Counter("vllm:request_success_total", "Count of successfully processed requests.", "finished_reason");
        foreach (var reason in new[] { "stop", "length", "abort" })
        {
            _ = _success.Labels(reason);
        }

        _promptLength = Histogram(f, "vllm:request_prompt_tokens", "Number of prefill tokens processed.", OneTwoFive(maxModelLen));
        _generationLength = Histogram(f, "vllm:request_generation_tokens", "Number of generation tokens processed.", OneTwoFive(maxModelLen));
        _maxTokensParam = Histogram(f, "vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", OneTwoFive(maxModelLen));
        _ttft = Histogram(f, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TtftBuckets);
        if (renamedItl)
        {
            _itl = Histogram(f, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", TokenLatencyBuckets);
        }

        if (Shown("0.11.0", "0.12.0", "0.13.0"))
        {
            _tpot = Histogram(f, "vllm:time_per_output_token_seconds",
                "Histogram of time per output token in seconds." + (renamedItl ? "DEPRECATED: Use vllm:inter_token_latency_seconds instead." : ""), TokenLatencyBuckets);
        }

        if (renamedItl)
        {
            _requestTpot = Histogram(f, "vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", TokenLatencyBuckets);
        }

        _e2e = Histogram(f, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", RequestLatencyBuckets);
        _queue = Histogram(f, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", RequestLatencyBuckets);
        _inference = Histogram(f, "vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", RequestLatencyBuckets);
        _prefill = Histogram(f, "vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", RequestLatencyBuckets);
        _decode = Histogram(f, "vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", RequestLatencyBuckets);
        var info = f.GaugeWithOwnLabels("vllm:cache_config_info", "Information of the LLMEngine CacheConfig",
            "block_size", "cache_dtype", "enable_prefix_caching", "gpu_memory_utilization", "engine");
        info.Labels("16", "auto", "True", gpuMemoryUtilization.ToString(System.Globalization.CultureInfo.InvariantCulture), "0").Set(1);
    }

    protected override MetricRegistry Registry => _registry;

    public override void RequestQueued()
    {
    }

    public override void RequestStarted(TimeSpan queueTime) => _queue.Observe(queueTime.TotalSeconds);

    public override void FirstToken(TimeSpan timeToFirstToken) => _ttft.Observe(timeToFirstToken.TotalSeconds);

    public override void Token(TimeSpan interTokenLatency)
    {
        _itl?.Observe(interTokenLatency.TotalSeconds);
        _tpot?.Observe(interTokenLatency.TotalSeconds);
    }

    public override void RequestFinished(RequestSummary s)
    {
        _promptTokens.Inc(s.PromptTokens);
        _promptTokensCached?.Inc(s.CachedTokens);
        _generationTokens.Inc(s.GenerationTokens);
        _prefixQueries.Inc(s.PromptTokens);
        _prefixHits.Inc(s.CachedTokens);
        _gpuPrefixQueries?.Inc(s.PromptTokens);
        _gpuPrefixHits?.Inc(s.CachedTokens);
        _success.Labels(s.FinishReason).Inc();
        _e2e.Observe(s.EndToEnd.TotalSeconds);
        var inference = s.EndToEnd - s.QueueTime;
        _inference.Observe(inference.TotalSeconds);
        var prefill = s.TimeToFirstToken - s.QueueTime;
        _prefill.Observe(prefill.TotalSeconds);
        _decode.Observe((inference - prefill).TotalSeconds);
        if (s.GenerationTokens > 1)
        {
            _requestTpot?.Observe((inference - prefill).TotalSeconds / (s.GenerationTokens - 1));
        }

        _promptLength.Observe(s.PromptTokens);
        _generationLength.Observe(s.GenerationTokens);
        if (s.MaxTokens is { } max)
        {
            _maxTokensParam.Observe(max);
        }
    }

    protected override void UpdateGauges(EngineLoad load)
    {
        _running.Set(load.Running);
        _waiting.Set(load.Waiting);
        if (_waitingByReason is not null)
        {
            _waitingByReason.Labels("capacity").Set(load.Waiting);
            _waitingByReason.Labels("deferred").Set(0);
        }

        _kvCache.Set(load.KvUsage);
        _gpuCache?.Set(load.KvUsage);
    }

    private static MetricRegistry.Sample Histogram(MetricRegistry f, string name, string help, double[] buckets) =>
        f.Histogram(name, help, buckets).Default;
}

/// <summary>
/// SGLang's metric names (only with --enable-metrics), its scheduler and tokenizer label sets and its default buckets.
/// Releases before 0.5 also export <c>sglang:time_per_output_token_seconds</c>; 0.5 releases add <c>sglang:cached_tokens_total</c>.
/// </summary>
internal sealed class SglangMetrics : PrometheusEngineMetrics
{
    private static readonly double[] TtftBuckets = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400];
    private static readonly double[] ItlBuckets = [0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025, 0.030, 0.035, 0.040, 0.060, 0.080, 0.100, 0.200, 0.400, 0.600, 0.800, 1, 2, 4, 6, 8];
    private static readonly double[] TpotBuckets = [0.002, 0.005, 0.010, 0.020, 0.030, 0.040, 0.050, 0.060, 0.070, 0.080, 0.090, 0.100, 0.150, 0.200, 0.300, 0.400, 0.600, 0.800, 1, 2];
    private static readonly double[] E2eBuckets = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400];

    private readonly MetricRegistry _registry;
    private readonly MetricRegistry.Sample _running;
    private readonly MetricRegistry.Sample _queued;
    private readonly MetricRegistry.Sample _usedTokens;
    private readonly MetricRegistry.Sample _tokenUsage;
    private readonly MetricRegistry.Sample _throughput;
    private readonly MetricRegistry.Sample _cacheHitRate;
    private readonly MetricRegistry.Sample _maxTotalTokens;
    private readonly MetricRegistry.Sample _promptTokens;
    private readonly MetricRegistry.Sample _generationTokens;
    private readonly MetricRegistry.Sample? _cachedTokens;
    private readonly MetricRegistry.Sample _requests;
    private readonly MetricRegistry.Sample _ttft;
    private readonly MetricRegistry.Sample _itl;
    private readonly MetricRegistry.Sample? _tpot;
    private readonly MetricRegistry.Sample _e2e;

    public SglangMetrics(EngineVersion version, string modelName, int contextLength)
    {
        // Scheduler gauges carry tp_rank and pp_rank; tokenizer metrics only model_name and engine_type.
        _registry = new MetricRegistry(new Dictionary<string, string> { ["model_name"] = modelName, ["engine_type"] = "unified" });
        var f = _registry;
        MetricRegistry.Sample SchedulerGauge(string name, string help) => f.Gauge(name, help, "tp_rank", "pp_rank").Labels("0", "0");
        _running = SchedulerGauge("sglang:num_running_reqs", "The number of running requests.");
        _queued = SchedulerGauge("sglang:num_queue_reqs", "The number of requests in the waiting queue.");
        _usedTokens = SchedulerGauge("sglang:num_used_tokens", "The number of used tokens.");
        _tokenUsage = SchedulerGauge("sglang:token_usage", "The token usage.");
        _throughput = SchedulerGauge("sglang:gen_throughput", "The generation throughput (token/s).");
        _cacheHitRate = SchedulerGauge("sglang:cache_hit_rate", "The prefix cache hit rate.");
        _maxTotalTokens = SchedulerGauge("sglang:max_total_num_tokens", "Maximum total number of tokens in the KV cache pool.");
        SchedulerGauge("sglang:context_len", "The context length.").Set(contextLength);
        _promptTokens = f.Counter("sglang:prompt_tokens_total", "Number of prefill tokens processed.").Default;
        _generationTokens = f.Counter("sglang:generation_tokens_total", "Number of generation tokens processed.").Default;
        if (version.AtLeast("0.5.0"))
        {
            _cachedTokens = f.Counter("sglang:cached_tokens_total", "Number of cached prompt tokens.").Default;
        }

        _requests = f.Counter("sglang:num_requests_total", "Number of requests processed.").Default;
        f.Counter("sglang:num_aborted_requests_total", "Number of requests aborted.");
        _ttft = f.Histogram("sglang:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TtftBuckets).Default;
        if (version.Below("0.5.0"))
        {
            _tpot = f.Histogram("sglang:time_per_output_token_seconds", "Histogram of time per output token in seconds.", TpotBuckets).Default;
        }

        _itl = f.Histogram("sglang:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", ItlBuckets).Default;
        _e2e = f.Histogram("sglang:e2e_request_latency_seconds", "Histogram of End-to-end request latency in seconds", E2eBuckets).Default;
    }

    protected override MetricRegistry Registry => _registry;

    public override void RequestQueued()
    {
    }

    public override void RequestStarted(TimeSpan queueTime)
    {
    }

    public override void FirstToken(TimeSpan timeToFirstToken) => _ttft.Observe(timeToFirstToken.TotalSeconds);

    public override void Token(TimeSpan interTokenLatency) => _itl.Observe(interTokenLatency.TotalSeconds);

    public override void RequestFinished(RequestSummary s)
    {
        _promptTokens.Inc(s.PromptTokens);
        _generationTokens.Inc(s.GenerationTokens);
        _cachedTokens?.Inc(s.CachedTokens);
        _requests.Inc();
        _e2e.Observe(s.EndToEnd.TotalSeconds);
        if (s.GenerationTokens > 1)
        {
            _tpot?.Observe((s.EndToEnd - s.TimeToFirstToken).TotalSeconds / (s.GenerationTokens - 1));
        }
    }

    protected override void UpdateGauges(EngineLoad load)
    {
        _running.Set(load.Running);
        _queued.Set(load.Waiting);
        _usedTokens.Set(load.KvUsedTokens);
        _tokenUsage.Set(load.KvUsage);
        _maxTotalTokens.Set(load.KvCapacityTokens);
        _throughput.Set(load.TokensPerSecond);
        _cacheHitRate.Set(load.CacheHitRate);
    }
}
