using Portal.Application.Monitoring;

namespace Portal.Services.Dashboard;

/// <summary>One trace's values on its panel's window grid; null where Prometheus had no value (a gap).</summary>
/// <param name="Held">GPU traces only: whether a pod held the GPU at each point.</param>
public sealed record TraceSeries(TraceIdentity Id, double?[] Values, bool[]? Held = null)
{
    public bool HasData => Values.Any(v => v is not null);
}

/// <summary>What one panel's query returned for a window, or the error it failed with.</summary>
public sealed record PanelResult(PanelDefinition Panel, DashboardWindow Window, IReadOnlyList<TraceSeries> Traces, PrometheusError? Error);

/// <summary>One GPU now: where it is, who holds it, and its readings.</summary>
public sealed record GpuRow(
    string Host,
    string Gpu,
    string Model,
    string? Pod,
    string? Namespace,
    double? UtilizationPercent,
    double? UsedMiB,
    double? FreeMiB,
    double? PowerWatts,
    double? TemperatureCelsius)
{
    /// <summary>The portal deployment of the holding pod (StatefulSet pods are named &lt;deployment&gt;-&lt;ordinal&gt;).</summary>
    public string? Deployment => Pod is { } pod && pod.LastIndexOf('-') is > 0 and var dash && pod[(dash + 1)..].All(char.IsAsciiDigit) ? pod[..dash] : null;

    public double? TotalMiB => UsedMiB + FreeMiB;
}

/// <summary>Which per-deployment metric names Prometheus holds now, with their largest value (from the catalog's presence query).</summary>
public sealed class MetricPresence(IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> byDeployment)
{
    public static MetricPresence Empty { get; } = new(new Dictionary<string, IReadOnlyDictionary<string, double>>());

    public bool Has(string deployment, string? name) =>
        name is not null && byDeployment.TryGetValue(deployment, out var names) && names.ContainsKey(name);

    /// <summary>The series exists and has counted something: a counter at 0 has never seen a request.</summary>
    public bool Counted(string deployment, string? name) =>
        name is not null && byDeployment.TryGetValue(deployment, out var names) && names.TryGetValue(name, out var value) && value > 0;

    /// <summary>Whether any deployment has <paramref name="name"/>.</summary>
    public bool Any(string name) => byDeployment.Values.Any(n => n.ContainsKey(name));
}

/// <summary>The answer to one refresh: each panel's points for its window, the GPUs now, metric presence, and what failed.</summary>
public sealed record DashboardFrame(
    IReadOnlyList<PanelResult> Panels,
    IReadOnlyList<GpuRow>? Gpus,
    MetricPresence? Presence,
    IReadOnlyList<PrometheusError> Errors,
    int Queries)
{
    /// <summary>The first failure that means Prometheus itself is unusable (down, slow, refusing), if any.</summary>
    public PrometheusError? ConnectivityError => Errors.FirstOrDefault(e => e.IsConnectivity || e.Kind == PrometheusErrorKind.Unauthorized);
}
