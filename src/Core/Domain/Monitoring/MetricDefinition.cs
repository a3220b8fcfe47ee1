namespace Portal.Domain.Monitoring;

/// <summary>The logical metrics the dashboard shows, whatever engine or exporter they come from.</summary>
public enum MetricId
{
    GpuUtilization,
    GpuMemoryUsed,
    GpuMemoryTotal,
    GpuPower,
    GpuTemperature,
    RequestsRunning,
    RequestsWaiting,
    TimeToFirstToken,
    InterTokenLatency,
    EndToEndLatency,
    GeneratedTokens,
    KvCacheUsage,
    RequestRate,
    ErrorRate,
    DeploymentReady,
    TargetUp,
}

/// <summary>Where a metric's numbers come from.</summary>
public enum MetricSourceKind
{
    /// <summary>The engine's own /metrics (vLLM, SGLang).</summary>
    Engine,

    /// <summary>The portal gateway's metrics, measured where clients see them (the only source for Ollama).</summary>
    Gateway,

    /// <summary>dcgm-exporter.</summary>
    Gpu,

    /// <summary>The portal's own /metrics (deployment state).</summary>
    Portal,

    /// <summary>Prometheus itself (<c>up</c> of each scrape target).</summary>
    Prometheus,

    /// <summary>Not measured for this framework; <see cref="MetricSource.Note"/> says why.</summary>
    None,
}

/// <summary>How a metric's series are reduced per deployment.</summary>
public enum MetricShape
{
    /// <summary>A gauge summed over a deployment's pods.</summary>
    GaugeSum,

    /// <summary>A gauge whose fullest pod counts (KV cache).</summary>
    GaugeMax,

    /// <summary>A counter shown as a per-second rate.</summary>
    CounterRate,

    /// <summary>A histogram shown as percentiles (<see cref="MetricCatalog.Quantiles"/>).</summary>
    HistogramQuantiles,
}

/// <summary>The Prometheus metric behind a logical metric for one framework, or why there is none.</summary>
/// <param name="Name">The exported name; for histograms without <c>_bucket</c>/<c>_count</c>.</param>
public sealed record MetricSource(MetricSourceKind Kind, string? Name, string Note)
{
    public bool IsAvailable => Kind != MetricSourceKind.None;

    /// <summary>The name whose presence shows the source is exported (a histogram's <c>_count</c>).</summary>
    public string? PresenceName { get; init; }

    /// <summary>The name older releases of the engine export instead of <see cref="Name"/>; queries read both.</summary>
    public string? FormerName { get; init; }
}

/// <summary>A logical metric: what it is, its unit, and how it is reduced.</summary>
public sealed record MetricDefinition(MetricId Id, string Title, string Unit, MetricShape Shape, string Description);

/// <summary>One framework's PromQL for a logical metric (used to check every framework's query against Prometheus).</summary>
public sealed record FrameworkQuery(string Framework, MetricSource Source, string PromQl);
