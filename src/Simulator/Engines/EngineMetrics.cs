namespace Portal.Simulator.Engines;

/// <summary>What an engine reports about each request; each framework maps it onto its own metric names.</summary>
internal interface IEngineMetrics
{
    void RequestQueued();

    void RequestStarted(TimeSpan queueTime);

    void FirstToken(TimeSpan timeToFirstToken);

    void Token(TimeSpan interTokenLatency);

    void RequestFinished(RequestSummary summary);

    /// <summary>Brings the gauges up to date (running, waiting, cache use) before a scrape.</summary>
    void Refresh(EngineLoad load);

    /// <summary>The Prometheus text exposition, or null when the engine serves no /metrics.</summary>
    Task<string?> ExportAsync(CancellationToken cancellationToken);
}

internal sealed record RequestSummary(
    int PromptTokens,
    int GenerationTokens,
    string FinishReason,
    int? MaxTokens,
    TimeSpan QueueTime,
    TimeSpan TimeToFirstToken,
    TimeSpan EndToEnd,
    int CachedTokens = 0);

internal sealed record EngineLoad(int Running, int Waiting, int MaxBatch, double TokensPerSecond, long KvUsedTokens, long KvCapacityTokens, double CacheHitRate)
{
    public double KvUsage => KvCapacityTokens == 0 ? 0 : Math.Min(1.0, KvUsedTokens / (double)KvCapacityTokens);
}

/// <summary>No Prometheus endpoint (Ollama, SGLang without --enable-metrics).</summary>
internal sealed class NoMetrics : IEngineMetrics
{
    public static readonly NoMetrics Instance = new();

    public void RequestQueued()
    {
    }

    public void RequestStarted(TimeSpan queueTime)
    {
    }

    public void FirstToken(TimeSpan timeToFirstToken)
    {
    }

    public void Token(TimeSpan interTokenLatency)
    {
    }

    public void RequestFinished(RequestSummary summary)
    {
    }

    public void Refresh(EngineLoad load)
    {
    }

    public Task<string?> ExportAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
