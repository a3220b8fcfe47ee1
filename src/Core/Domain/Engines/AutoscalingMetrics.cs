namespace Portal.Domain.Engines;

/// <summary>The logical metrics a deployment can autoscale on, and what each means per engine.</summary>
public static class AutoscalingMetrics
{
    public const string RequestsWaiting = "requests-waiting";
    public const string RequestsRunning = "requests-running";
    public const string KvCacheUsage = "kv-cache-usage";

    /// <summary>Average CPU utilisation in percent of the request (needs a CPU request).</summary>
    public const string Cpu = "cpu";

    public static IReadOnlyList<string> All { get; } = [RequestsWaiting, RequestsRunning, KvCacheUsage, Cpu];

    /// <summary>The engine's Prometheus metric for a logical metric; null for <c>cpu</c> or when the engine has none.</summary>
    public static string? EngineMetric(EngineMetricNames names, string metric) => metric switch
    {
        RequestsWaiting => names.RequestsWaiting,
        RequestsRunning => names.RequestsRunning,
        KvCacheUsage => names.KvCacheUsage,
        _ => null,
    };

    /// <summary>The metrics this engine can scale on.</summary>
    public static IEnumerable<string> SupportedBy(EngineProfile profile) =>
        All.Where(m => m == Cpu || EngineMetric(profile.Metrics, m) is not null);
}
