using Portal.Domain.Deployments;

namespace Portal.Domain.Engines;

/// <summary>How the autoscaler compares a signal with its target (autoscaling/v2 MetricTarget types).</summary>
public enum SignalTarget
{
    /// <summary>The signal summed over the replicas, divided by the replicas: <c>desired = ceil(total / target)</c>.</summary>
    AverageValue,

    /// <summary>One value for the whole deployment: <c>desired = ceil(current × value / target)</c>.</summary>
    Value,
}

/// <summary>One signal a deployment can scale on: what it means, its unit and how the autoscaler reads it.</summary>
public sealed record AutoscalingSignal(
    string Id,
    string Label,
    string Unit,
    string Description,
    SignalTarget TargetType,
    bool PerPod,
    double DefaultTarget);

/// <summary>The logical metrics a deployment can autoscale on, and what each means per engine.</summary>
public static class AutoscalingMetrics
{
    public const string RequestsWaiting = "requests-waiting";
    public const string RequestsRunning = "requests-running";
    public const string KvCacheUsage = "kv-cache-usage";

    /// <summary>dcgm-exporter's <c>DCGM_FI_DEV_GPU_UTIL</c> of the replica's GPUs, in percent per GPU.</summary>
    public const string GpuUtilization = "gpu-utilization";

    /// <summary>The 95th percentile of the engine's time to first token over the last two minutes, in seconds.</summary>
    public const string TtftP95 = "ttft-p95";

    /// <summary>Requests the portal's gateway is forwarding to the deployment or holding for it (every engine; Ollama's only signal).</summary>
    public const string GatewayInFlight = "gateway-in-flight";

    /// <summary>Average CPU utilisation in percent of the request (needs a CPU request).</summary>
    public const string Cpu = "cpu";

    public static IReadOnlyList<string> All { get; } = [RequestsWaiting, RequestsRunning, KvCacheUsage, GpuUtilization, TtftP95, GatewayInFlight, Cpu];

    public static IReadOnlyList<AutoscalingSignal> Signals { get; } =
    [
        new(RequestsWaiting, "Requests waiting", "requests", "Requests queued in the engine, not yet scheduled: the clearest sign a replica is full.", SignalTarget.AverageValue, true, 5),
        new(RequestsRunning, "Running requests per replica", "requests", "Requests the engine is generating for right now, per replica.", SignalTarget.AverageValue, true, 16),
        new(KvCacheUsage, "KV-cache use", "fraction", "Fraction (0–1) of the KV cache in use, per replica; near 1 the engine starts to queue or preempt.", SignalTarget.AverageValue, true, 0.8),
        new(GpuUtilization, "GPU utilisation", "%", "DCGM GPU utilisation of the replica's GPUs, in percent per GPU.", SignalTarget.AverageValue, true, 70),
        new(TtftP95, "TTFT p95", "s", "95th percentile time to first token over the last 2 minutes, for the whole deployment (KEDA only).", SignalTarget.Value, false, 1),
        new(GatewayInFlight, "Gateway in-flight requests", "requests", "Requests the portal's gateway is forwarding or holding for the deployment, per replica (KEDA only).", SignalTarget.AverageValue, false, 8),
        new(Cpu, "CPU", "%", "Average CPU utilisation in percent of the CPU request (needs a CPU request and metrics-server).", SignalTarget.AverageValue, true, 80),
    ];

    public static AutoscalingSignal? Signal(string? id) => Signals.FirstOrDefault(s => s.Id == id);

    /// <summary>The engine's Prometheus metric for a logical metric; null for signals that are not the engine's own or when the engine has none.</summary>
    public static string? EngineMetric(EngineMetricNames names, string metric) => metric switch
    {
        RequestsWaiting => names.RequestsWaiting,
        RequestsRunning => names.RequestsRunning,
        KvCacheUsage => names.KvCacheUsage,
        TtftP95 => names.TimeToFirstToken,
        _ => null,
    };

    /// <summary>The metrics this engine can scale on.</summary>
    public static IEnumerable<string> SupportedBy(EngineProfile profile) =>
        All.Where(m => m is Cpu or GpuUtilization or GatewayInFlight || EngineMetric(profile.Metrics, m) is not null);

    /// <summary>Whether the HPA can read the signal: per-pod custom metrics (prometheus-adapter) and CPU; the others are one query for the deployment, which KEDA evaluates.</summary>
    public static bool HpaCanUse(string metric) => Signal(metric)?.PerPod == true;

    /// <summary>The target the spec gives, in the unit the autoscaler compares: GPU utilisation is summed over a pod's GPUs.</summary>
    public static double PerReplicaTarget(DeploymentSpec spec) =>
        spec.Autoscaling.Metric == GpuUtilization ? spec.Autoscaling.Target * Math.Max(1, spec.GpusPerReplica) : spec.Autoscaling.Target;
}
