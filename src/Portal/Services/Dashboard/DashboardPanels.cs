using Portal.Application.Monitoring;
using Portal.Domain.Monitoring;

namespace Portal.Services.Dashboard;

/// <summary>How a panel draws.</summary>
public enum PanelKind
{
    Lines,
    StackedArea,

    /// <summary>Rows × time, coloured by value (GPU utilisation with many GPUs, health).</summary>
    Heatmap,
}

public enum TraceStyle
{
    Solid,
    Dotted,
    Dashed,
}

/// <summary>
/// One line of a chart: <see cref="Key"/> identifies it across refreshes, <see cref="Group"/> is what its colour
/// follows (the deployment, or the GPU's node), <see cref="Row"/> its row in a heatmap.
/// </summary>
public sealed record TraceIdentity(string Key, string Name, string Group, TraceStyle Style = TraceStyle.Solid)
{
    /// <summary>
    /// Whether the trace has its own legend entry. Secondary lines (p50, waiting, 5xx) share their deployment's
    /// entry, which toggles the whole group; the chart's subtitle says which line style is which.
    /// </summary>
    public bool InLegend { get; init; } = true;

    /// <summary>The legend entry's text (the hover label keeps <see cref="Name"/>).</summary>
    public string LegendName => Deployment is null ? Name : Group + (Source == "gateway" ? " (gateway)" : "");

    /// <summary>The deployment the trace belongs to, when it belongs to one.</summary>
    public string? Deployment { get; init; }

    /// <summary>For the fleet cards: <c>engine</c> or <c>gateway</c>.</summary>
    public string Source { get; init; } = "engine";

    /// <summary>A label value the fleet cards pick traces by (quantile, state, kind, signal).</summary>
    public string Variant { get; init; } = "";
}

/// <summary>A chart of the dashboard: what it queries, how series become traces, and how it is drawn.</summary>
public sealed record PanelDefinition(
    string Id,
    string Title,
    string Subtitle,
    string AxisSuffix,
    PanelKind Kind,
    IReadOnlyList<MetricId> Metrics,
    Func<MetricCatalog, MetricScope, string> Query,
    Func<MetricLabels, TraceIdentity?> Trace)
{
    /// <summary>Multiplies every value (MiB to GiB, ratio to %, s to ms).</summary>
    public double Scale { get; init; } = 1;

    /// <summary>Fixed y range, or null for automatic.</summary>
    public (double Min, double Max)? Range { get; init; }

    /// <summary>The metric whose absence the chart explains (the first of <see cref="Metrics"/> unless set).</summary>
    public MetricId Primary => Metrics[0];

    public bool IsGpu => Metrics[0] is MetricId.GpuUtilization or MetricId.GpuMemoryUsed;
}

/// <summary>The dashboard's charts, in page order. Each runs one query per refresh whatever the number of deployments.</summary>
public static class DashboardPanels
{
    public const string GpuUtilization = "gpu-utilization";
    public const string GpuMemory = "gpu-memory";
    public const string TimeToFirstToken = "ttft";
    public const string EndToEndLatency = "e2e";
    public const string InterTokenLatency = "itl";
    public const string Tokens = "tokens";
    public const string Requests = "requests";
    public const string KvCache = "kv-cache";
    public const string Traffic = "traffic";
    public const string Health = "health";

    /// <summary>More GPUs than this draw as a GPU × time heatmap instead of one line each.</summary>
    public const int HeatmapAboveGpus = 8;

    public static IReadOnlyList<PanelDefinition> All { get; } =
    [
        new(Health, "Health", "green ready, amber ready but metrics not scraped, red not ready", "", PanelKind.Heatmap, [MetricId.DeploymentReady, MetricId.TargetUp],
            (c, s) => c.HealthQuery(s), HealthTrace),
        new(GpuUtilization, "GPU utilisation", "per GPU", "%", PanelKind.Lines, [MetricId.GpuUtilization],
            (c, s) => c.GpuQuery(MetricId.GpuUtilization, s), GpuTrace) { Range = (0, 100) },
        new(GpuMemory, "GPU memory by deployment", "framebuffer in use, stacked", " GiB", PanelKind.StackedArea, [MetricId.GpuMemoryUsed],
            (c, s) => c.GpuQuery(MetricId.GpuMemoryUsed, s), MemoryTrace) { Scale = 1.0 / 1024 },
        new(TimeToFirstToken, "Time to first token", "p95 solid, p50 dotted", " s", PanelKind.Lines, [MetricId.TimeToFirstToken],
            (c, s) => c.Query(MetricId.TimeToFirstToken, s), QuantileTrace),
        new(EndToEndLatency, "End-to-end latency", "p95 solid, p50 dotted", " s", PanelKind.Lines, [MetricId.EndToEndLatency],
            (c, s) => c.Query(MetricId.EndToEndLatency, s), QuantileTrace),
        new(InterTokenLatency, "Inter-token latency", "p95 solid, p50 dotted", " ms", PanelKind.Lines, [MetricId.InterTokenLatency],
            (c, s) => c.Query(MetricId.InterTokenLatency, s), QuantileTrace) { Scale = 1000 },
        new(Tokens, "Generated tokens", "output tokens per second", " tok/s", PanelKind.Lines, [MetricId.GeneratedTokens],
            (c, s) => c.Query(MetricId.GeneratedTokens, s), DeploymentTrace),
        new(Requests, "Requests running and waiting", "running solid, waiting dashed", "", PanelKind.Lines, [MetricId.RequestsRunning, MetricId.RequestsWaiting],
            (c, s) => PromQl.Or(
            [
                PromQl.WithLabel(c.Query(MetricId.RequestsRunning, s), "state", "running"),
                PromQl.WithLabel(c.Query(MetricId.RequestsWaiting, s), "state", "waiting"),
            ]), StateTrace),
        new(KvCache, "KV-cache usage", "fullest pod", "%", PanelKind.Lines, [MetricId.KvCacheUsage],
            (c, s) => c.Query(MetricId.KvCacheUsage, s), DeploymentTrace) { Scale = 100, Range = (0, 100) },
        new(Traffic, "Request rate and errors", "finished requests solid, gateway 5xx dashed", " req/s", PanelKind.Lines, [MetricId.RequestRate, MetricId.ErrorRate],
            (c, s) => PromQl.Or(
            [
                PromQl.WithLabel(c.Query(MetricId.RequestRate, s), "kind", "requests"),
                PromQl.WithLabel(c.Query(MetricId.ErrorRate, s), "kind", "errors"),
            ]), TrafficTrace),
    ];

    public static PanelDefinition Get(string id) => All.First(p => p.Id == id);

    private static string GatewaySuffix(MetricLabels l) => l["source"] == "gateway" ? " (gateway)" : "";

    private static TraceIdentity GpuTrace(MetricLabels l)
    {
        var host = l.Has("Hostname") ? l["Hostname"] : l["hostname"];
        return new TraceIdentity($"{host}/{l["gpu"]}", $"{host} · GPU {l["gpu"]}", host) { Variant = l["gpu"] };
    }

    private static TraceIdentity MemoryTrace(MetricLabels l)
    {
        var deployment = l["deployment"];
        return deployment.Length == 0
            ? new TraceIdentity("(other)", "other pods", "(other)")
            : new TraceIdentity(deployment, deployment, deployment) { Deployment = deployment };
    }

    private static TraceIdentity DeploymentTrace(MetricLabels l) =>
        new($"{l["deployment"]}/{l["source"]}", l["deployment"] + GatewaySuffix(l), l["deployment"])
        {
            Deployment = l["deployment"],
            Source = l["source"],
        };

    private static TraceIdentity QuantileTrace(MetricLabels l)
    {
        var quantile = l["quantile"];
        var label = quantile == "0.5" ? "p50" : quantile == "0.95" ? "p95" : $"q{quantile}";
        return new TraceIdentity($"{l["deployment"]}/{l["source"]}/{quantile}", $"{l["deployment"]} {label}{GatewaySuffix(l)}", l["deployment"],
            quantile == "0.5" ? TraceStyle.Dotted : TraceStyle.Solid)
        {
            InLegend = quantile != "0.5",
            Deployment = l["deployment"],
            Source = l["source"],
            Variant = quantile,
        };
    }

    private static TraceIdentity StateTrace(MetricLabels l) =>
        new($"{l["deployment"]}/{l["source"]}/{l["state"]}", $"{l["deployment"]} {l["state"]}{GatewaySuffix(l)}", l["deployment"],
            l["state"] == "waiting" ? TraceStyle.Dashed : TraceStyle.Solid)
        {
            InLegend = l["state"] != "waiting",
            Deployment = l["deployment"],
            Source = l["source"],
            Variant = l["state"],
        };

    private static TraceIdentity TrafficTrace(MetricLabels l) =>
        new($"{l["deployment"]}/{l["source"]}/{l["kind"]}", l["kind"] == "errors" ? $"{l["deployment"]} 5xx" : l["deployment"] + GatewaySuffix(l), l["deployment"],
            l["kind"] == "errors" ? TraceStyle.Dashed : TraceStyle.Solid)
        {
            InLegend = l["kind"] != "errors",
            Deployment = l["deployment"],
            Source = l["source"],
            Variant = l["kind"],
        };

    private static TraceIdentity HealthTrace(MetricLabels l) =>
        new($"{l["deployment"]}/{l["signal"]}", l["deployment"], l["deployment"]) { Deployment = l["deployment"], Variant = l["signal"] };
}
