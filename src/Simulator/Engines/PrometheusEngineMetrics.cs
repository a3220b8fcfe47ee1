using Prometheus;

namespace Portal.Simulator.Engines;

/// <summary>A prometheus-net registry of one engine's own, exported on its /metrics.</summary>
internal abstract class PrometheusEngineMetrics : IEngineMetrics
{
    private EngineLoad _load = new(0, 0, 1, 0);

    protected PrometheusEngineMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        Registry.AddBeforeCollectCallback(() => Refresh(Volatile.Read(ref _load)));
    }

    protected CollectorRegistry Registry { get; }

    public abstract void RequestQueued();

    public abstract void RequestStarted(TimeSpan queueTime);

    public abstract void FirstToken(TimeSpan timeToFirstToken);

    public abstract void Token(TimeSpan interTokenLatency);

    public abstract void RequestFinished(RequestSummary summary);

    public void Refresh(EngineLoad load)
    {
        Volatile.Write(ref _load, load);
        UpdateGauges(load);
    }

    public async Task<string?> ExportAsync(CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream, cancellationToken);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

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

/// <summary>vLLM V1's metric names, label set (model_name, engine) and histogram buckets.</summary>
internal sealed class VllmMetrics : PrometheusEngineMetrics
{
    private static readonly double[] TtftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
    private static readonly double[] TokenLatencyBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
    private static readonly double[] RequestLatencyBuckets = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

    private readonly Gauge _running;
    private readonly Gauge _waiting;
    private readonly Gauge _kvCache;
    private readonly Counter _promptTokens;
    private readonly Counter _generationTokens;
    private readonly Counter _success;
    private readonly Counter _prefixQueries;
    private readonly Counter _prefixHits;
    private readonly Histogram _ttft;
    private readonly Histogram _itl;
    private readonly Histogram _tpot;
    private readonly Histogram _e2e;
    private readonly Histogram _queue;
    private readonly Histogram _inference;
    private readonly Histogram _prefill;
    private readonly Histogram _decode;
    private readonly Histogram _promptLength;
    private readonly Histogram _generationLength;
    private readonly Histogram _maxTokensParam;

    public VllmMetrics(string modelName, int maxModelLen, double gpuMemoryUtilization)
    {
        var labels = new Dictionary<string, string> { ["model_name"] = modelName, ["engine"] = "0" };
        var f = Metrics.WithCustomRegistry(Registry).WithLabels(labels);
        _running = f.CreateGauge("vllm:num_requests_running", "Number of requests in model execution batches.");
        _waiting = f.CreateGauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.");
        _kvCache = f.CreateGauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.");
        _promptTokens = f.CreateCounter("vllm:prompt_tokens_total", "Number of prefill tokens processed.");
        _generationTokens = f.CreateCounter("vllm:generation_tokens_total", "Number of generation tokens processed.");
        f.CreateCounter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.");
        _prefixQueries = f.CreateCounter("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.");
        _prefixHits = f.CreateCounter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.");
        _success = f.CreateCounter("vllm:request_success_total", "Count of successfully processed requests.", new CounterConfiguration { LabelNames = ["finished_reason"] });
        _ttft = Histogram(f, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TtftBuckets);
        _itl = Histogram(f, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", TokenLatencyBuckets);
        _tpot = Histogram(f, "vllm:request_time_per_output_token_seconds", "Histogram of time_per_output_token_seconds per request.", TokenLatencyBuckets);
        _e2e = Histogram(f, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", RequestLatencyBuckets);
        _queue = Histogram(f, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", RequestLatencyBuckets);
        _inference = Histogram(f, "vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", RequestLatencyBuckets);
        _prefill = Histogram(f, "vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", RequestLatencyBuckets);
        _decode = Histogram(f, "vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", RequestLatencyBuckets);
        _promptLength = Histogram(f, "vllm:request_prompt_tokens", "Number of prefill tokens processed.", OneTwoFive(maxModelLen));
        _generationLength = Histogram(f, "vllm:request_generation_tokens", "Number of generation tokens processed.", OneTwoFive(maxModelLen));
        _maxTokensParam = Histogram(f, "vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", OneTwoFive(maxModelLen));
        var info = Metrics.WithCustomRegistry(Registry).CreateGauge("vllm:cache_config_info", "Information of the LLMEngine CacheConfig",
            "block_size", "cache_dtype", "enable_prefix_caching", "gpu_memory_utilization", "engine");
        info.WithLabels("16", "auto", "True", gpuMemoryUtilization.ToString(System.Globalization.CultureInfo.InvariantCulture), "0").Set(1);
    }

    public override void RequestQueued()
    {
    }

    public override void RequestStarted(TimeSpan queueTime) => _queue.Observe(queueTime.TotalSeconds);

    public override void FirstToken(TimeSpan timeToFirstToken) => _ttft.Observe(timeToFirstToken.TotalSeconds);

    public override void Token(TimeSpan interTokenLatency) => _itl.Observe(interTokenLatency.TotalSeconds);

    public override void RequestFinished(RequestSummary s)
    {
        _promptTokens.Inc(s.PromptTokens);
        _generationTokens.Inc(s.GenerationTokens);
        _prefixQueries.Inc(s.PromptTokens);
        _prefixHits.Inc(s.PromptTokens / 4);
        _success.WithLabels(s.FinishReason).Inc();
        _e2e.Observe(s.EndToEnd.TotalSeconds);
        var inference = s.EndToEnd - s.QueueTime;
        _inference.Observe(inference.TotalSeconds);
        var prefill = s.TimeToFirstToken - s.QueueTime;
        _prefill.Observe(prefill.TotalSeconds);
        _decode.Observe((inference - prefill).TotalSeconds);
        if (s.GenerationTokens > 1)
        {
            _tpot.Observe((inference - prefill).TotalSeconds / (s.GenerationTokens - 1));
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
        _kvCache.Set(Math.Min(1.0, load.Running / (double)Math.Max(1, load.MaxBatch) * 0.8));
    }

    private static Histogram Histogram(IMetricFactory f, string name, string help, double[] buckets) =>
        f.CreateHistogram(name, help, new HistogramConfiguration { Buckets = buckets });
}

/// <summary>SGLang's metric names (only with --enable-metrics), its scheduler and tokenizer label sets, and its default buckets.</summary>
internal sealed class SglangMetrics : PrometheusEngineMetrics
{
    private static readonly double[] TtftBuckets = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400];
    private static readonly double[] ItlBuckets = [0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025, 0.030, 0.035, 0.040, 0.060, 0.080, 0.100, 0.200, 0.400, 0.600, 0.800, 1, 2, 4, 6, 8];
    private static readonly double[] E2eBuckets = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400];

    private readonly int _contextLength;
    private readonly Gauge _running;
    private readonly Gauge _queued;
    private readonly Gauge _usedTokens;
    private readonly Gauge _tokenUsage;
    private readonly Gauge _throughput;
    private readonly Counter _promptTokens;
    private readonly Counter _generationTokens;
    private readonly Counter _requests;
    private readonly Histogram _ttft;
    private readonly Histogram _itl;
    private readonly Histogram _e2e;

    public SglangMetrics(string modelName, int contextLength)
    {
        _contextLength = contextLength;
        var scheduler = Metrics.WithCustomRegistry(Registry).WithLabels(new Dictionary<string, string>
        {
            ["model_name"] = modelName, ["engine_type"] = "unified", ["tp_rank"] = "0", ["pp_rank"] = "0",
        });
        var tokenizer = Metrics.WithCustomRegistry(Registry).WithLabels(new Dictionary<string, string>
        {
            ["model_name"] = modelName, ["engine_type"] = "unified",
        });
        _running = scheduler.CreateGauge("sglang:num_running_reqs", "The number of running requests.");
        _queued = scheduler.CreateGauge("sglang:num_queue_reqs", "The number of requests in the waiting queue.");
        _usedTokens = scheduler.CreateGauge("sglang:num_used_tokens", "The number of used tokens.");
        _tokenUsage = scheduler.CreateGauge("sglang:token_usage", "The token usage.");
        _throughput = scheduler.CreateGauge("sglang:gen_throughput", "The generation throughput (token/s).");
        scheduler.CreateGauge("sglang:cache_hit_rate", "The prefix cache hit rate.").Set(0.25);
        scheduler.CreateGauge("sglang:max_total_num_tokens", "Maximum total number of tokens in the KV cache pool.").Set(contextLength * 16);
        scheduler.CreateGauge("sglang:context_len", "The context length.").Set(contextLength);
        _promptTokens = tokenizer.CreateCounter("sglang:prompt_tokens_total", "Number of prefill tokens processed.");
        _generationTokens = tokenizer.CreateCounter("sglang:generation_tokens_total", "Number of generation tokens processed.");
        _requests = tokenizer.CreateCounter("sglang:num_requests_total", "Number of requests processed.");
        tokenizer.CreateCounter("sglang:num_aborted_requests_total", "Number of requests aborted.");
        _ttft = tokenizer.CreateHistogram("sglang:time_to_first_token_seconds", "Histogram of time to first token in seconds.", new HistogramConfiguration { Buckets = TtftBuckets });
        _itl = tokenizer.CreateHistogram("sglang:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", new HistogramConfiguration { Buckets = ItlBuckets });
        _e2e = tokenizer.CreateHistogram("sglang:e2e_request_latency_seconds", "Histogram of End-to-end request latency in seconds", new HistogramConfiguration { Buckets = E2eBuckets });
    }

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
        _requests.Inc();
        _e2e.Observe(s.EndToEnd.TotalSeconds);
    }

    protected override void UpdateGauges(EngineLoad load)
    {
        _running.Set(load.Running);
        _queued.Set(load.Waiting);
        var used = load.Running * 512;
        _usedTokens.Set(used);
        _tokenUsage.Set(Math.Min(1.0, used / (double)(_contextLength * 16)));
        _throughput.Set(load.TokensPerSecond);
    }
}
