using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Domain.Monitoring;

/// <summary>
/// The PromQL behind each autoscaling signal, owned by the portal and shown to the operator: the total that
/// KEDA's prometheus trigger evaluates, and the value the autoscaler compares with the target (the total per
/// ready replica for average-value signals, the value itself for TTFT p95).
/// </summary>
public static class AutoscalingQueries
{
    /// <summary>Series label that the scrape config copies from the pod label <c>app.kubernetes.io/instance</c>.</summary>
    public const string DeploymentLabel = "deployment";

    /// <summary>The gateway's gauge of requests held while a deployment scaled to zero wakes.</summary>
    public const string HeldRequests = "portal_gateway_held_requests";

    public const string InFlightRequests = "portal_gateway_in_flight_requests";

    /// <summary>The window of the TTFT percentile.</summary>
    public static readonly TimeSpan TtftWindow = TimeSpan.FromMinutes(2);

    /// <summary>One value for the deployment (what KEDA's prometheus trigger queries), or null for CPU (metrics-server, not Prometheus).</summary>
    public static string? Total(DeploymentSpec spec, string? deploymentLabel = null)
    {
        var label = deploymentLabel ?? DeploymentLabel;
        var scope = $"namespace={PromQl.Quote(spec.Namespace)},{label}={PromQl.Quote(spec.Name)}";
        var profile = EngineProfiles.TryGet(spec.Framework, out var p) ? p : null;
        return spec.Autoscaling.Metric switch
        {
            AutoscalingMetrics.GpuUtilization => $"sum({MetricCatalog.GpuUtil}{{namespace={PromQl.Quote(spec.Namespace)},pod=~{PromQl.Quote(PodPattern(spec.Name))}}})",
            AutoscalingMetrics.TtftP95 when profile?.Metrics.TimeToFirstToken is { } ttft =>
                $"histogram_quantile(0.95, sum by (le) (rate({ttft}_bucket{{{scope}}}[{PromQl.Duration(TtftWindow)}])))",
            AutoscalingMetrics.GatewayInFlight => GatewayRequests(spec.Name),
            AutoscalingMetrics.Cpu => null,
            var metric when profile is not null && AutoscalingMetrics.EngineMetric(profile.Metrics, metric) is { } name => $"sum({name}{{{scope}}})",
            _ => null,
        };
    }

    /// <summary>
    /// Requests the gateway forwards to or holds for the deployment. The gateway's series carry no namespace;
    /// deployment names are unique within one portal. Empty sums count as 0, so the query always has one value.
    /// </summary>
    public static string GatewayRequests(string deployment) =>
        $"(sum({InFlightRequests}{{deployment={PromQl.Quote(deployment)}}}) or vector(0)) + (sum({HeldRequests}{{deployment={PromQl.Quote(deployment)}}}) or vector(0))";

    /// <summary>The value the autoscaler compares with the target, as a series over time (for the chart), or null for CPU.</summary>
    public static string? Compared(DeploymentSpec spec)
    {
        if (Total(spec) is not { } total)
        {
            return null;
        }

        var signal = AutoscalingMetrics.Signal(spec.Autoscaling.Metric);
        if (signal?.TargetType == SignalTarget.Value)
        {
            return $"({total}) or vector(0)";
        }

        // A deployment at zero has no engine series: it reads as nothing waiting, not as no data.
        var perReplica = $"(({total}) or vector(0)) / clamp_min(max(portal_deployment_replicas{{namespace={PromQl.Quote(spec.Namespace)},deployment={PromQl.Quote(spec.Name)},kind=\"ready\"}}) or vector(1), 1)";
        return spec.Autoscaling.Metric == AutoscalingMetrics.GpuUtilization
            ? $"({perReplica}) / {Math.Max(1, spec.GpusPerReplica)}"
            : perReplica;
    }

    /// <summary>The pods of a StatefulSet: <c>name-0</c>, <c>name-1</c>, …</summary>
    public static string PodPattern(string deployment) => deployment + "-[0-9]+";

    /// <summary>
    /// The replicas the autoscaler's formula gives for <paramref name="value"/> (the compared value) at <paramref name="current"/>
    /// replicas: <c>ceil(current × value / target)</c>, kept when within the HPA's 10 % tolerance, clamped to min/max.
    /// </summary>
    public static int FormulaReplicas(AutoscalingSpec autoscaling, double value, int current, double target)
    {
        var replicas = Math.Max(current, 1);
        var ratio = value / target;
        var desired = Math.Abs(1 - ratio) <= 0.1 && current > 0 ? current : (int)Math.Ceiling(ratio * replicas);
        return Math.Clamp(desired, autoscaling.MinReplicas, autoscaling.MaxReplicas);
    }
}
