namespace Portal.Domain.Benchmarks;

/// <summary>A latency distribution in milliseconds: the percentiles a run reports, mean and standard deviation.</summary>
public sealed record LatencyStats(double P50, double P90, double P95, double P99, double Mean, double Std)
{
    public static LatencyStats Empty { get; } = new(0, 0, 0, 0, 0, 0);
}

/// <summary>The figures of one finished step (one offered load).</summary>
public sealed class BenchmarkStep
{
    public long Id { get; set; }

    public Guid RunId { get; set; }

    /// <summary>Position in the run, from 0.</summary>
    public int Index { get; set; }

    public StepKind Kind { get; set; }

    /// <summary>Concurrency (concurrency, synchronous, throughput steps) or offered requests per second (rate steps).</summary>
    public double Level { get; set; }

    /// <summary>Requests sent.</summary>
    public int Requests { get; set; }

    public int Completed { get; set; }

    public int Errors { get; set; }

    /// <summary>Failed requests by kind (<c>http 503</c>, <c>timeout</c>, <c>broken stream</c>, …).</summary>
    public Dictionary<string, int> ErrorKinds { get; set; } = [];

    /// <summary>From the first request sent to the last answer received.</summary>
    public double DurationSeconds { get; set; }

    public double RequestsPerSecond { get; set; }

    public double OutputTokensPerSecond { get; set; }

    public double TotalTokensPerSecond { get; set; }

    /// <summary>Prompt and reply tokens of the completed requests, as the engine's <c>usage</c> reported them.</summary>
    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    public LatencyStats Ttft { get; set; } = LatencyStats.Empty;

    public LatencyStats Itl { get; set; } = LatencyStats.Empty;

    public LatencyStats Tpot { get; set; } = LatencyStats.Empty;

    public LatencyStats E2e { get; set; } = LatencyStats.Empty;

    /// <summary>From Prometheus over the step's window: mean GPU utilisation (%) of the deployment's GPUs.</summary>
    public double? GpuUtilization { get; set; }

    /// <summary>Highest KV-cache fill (0–1) of the engine over the window.</summary>
    public double? KvCacheUsage { get; set; }

    /// <summary>Highest number of requests waiting in the engine over the window.</summary>
    public double? QueueDepth { get; set; }

    /// <summary>Why an engine figure is missing (no Prometheus, the engine exports none, no sample in the window).</summary>
    public string? MetricsNote { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset FinishedAt { get; set; }
}

/// <summary>One request as the load generator recorded it (times in milliseconds from the step's start).</summary>
public sealed record RequestSample(
    double StartMs,
    double? TtftMs,
    double E2eMs,
    int? PromptTokens,
    int? OutputTokens,
    IReadOnlyList<double> ItlsMs,
    string? Error)
{
    public bool Ok => Error is null;
}

/// <summary>The per-request samples of one step, stored beside it (read for the detailed export and the TTFT histogram).</summary>
public sealed class BenchmarkStepSamples
{
    public long StepId { get; set; }

    public IReadOnlyList<RequestSample> Samples { get; set; } = [];
}
