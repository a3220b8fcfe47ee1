using Portal.Application.Deployments;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Monitoring;

namespace Portal.Services.Dashboard;

/// <summary>Says why a chart has nothing for a deployment, in the words an engineer on call needs.</summary>
public static class MissingDataExplainer
{
    /// <summary>Why <paramref name="deployment"/> has no data on <paramref name="panel"/>, or null when that needs no comment.</summary>
    public static string? WhyNoData(
        PanelDefinition panel,
        DeploymentSummary deployment,
        MetricPresence presence,
        IReadOnlyDictionary<string, double> scrapeUp,
        MetricCatalog catalog)
    {
        var name = deployment.Name;
        var state = deployment.State == ObservedState.Ready ? "" : $" (it is {deployment.State.ToString().ToLowerInvariant()})";
        if (panel.Id == DashboardPanels.Health)
        {
            return presence.Has(name, MetricCatalog.PortalDeploymentReady) || !presence.Any(MetricCatalog.PortalDeploymentReady)
                ? null
                : "the portal has not published its state yet (portal_deployment_ready).";
        }

        if (panel.IsGpu)
        {
            return $"none of its pods holds a GPU now{state}.";
        }

        if (!EngineProfiles.TryGet(deployment.Framework, out var profile))
        {
            return $"unknown framework '{deployment.Framework}'.";
        }

        var source = catalog.SourceFor(panel.Primary, profile);
        switch (source.Kind)
        {
            case MetricSourceKind.None:
                return source.Note;
            case MetricSourceKind.Engine:
                if (presence.Has(name, source.PresenceName))
                {
                    return Idle(panel);
                }

                if (!presence.Has(name, "up"))
                {
                    return $"Prometheus has no scrape target for it (no series with deployment=\"{name}\"){state}.";
                }

                if (scrapeUp.TryGetValue(name, out var up) && up < 1)
                {
                    return "Prometheus cannot scrape all its pods (up = 0): see Prometheus's targets page.";
                }

                return MetricCatalog.MissingEngineMetricHint(profile, source.PresenceName ?? source.Name!);
            case MetricSourceKind.Gateway:
                // The gateway creates its series for every route at 0: a count of 0 is "never served".
                return presence.Counted(name, source.PresenceName) || (presence.Has(name, source.PresenceName) && !IsCount(source.PresenceName!))
                    ? Idle(panel)
                    : $"{source.Note} No data yet: the gateway has not served it ({source.PresenceName} is {(presence.Has(name, source.PresenceName) ? "0" : "absent")}).";
            default:
                return null;
        }
    }

    /// <summary>The message in place of a chart that has no data at all, or null when a chart with footnotes says enough.</summary>
    public static string? WhyEmpty(PanelDefinition panel, bool anyDeployments, MetricPresence presence, IReadOnlyList<GpuRow>? gpus)
    {
        if (panel.IsGpu && gpus is { Count: 0 })
        {
            return anyDeployments && panel.Id == DashboardPanels.GpuMemory
                ? "None of these deployments' pods holds a GPU now."
                : $"No GPU metrics: Prometheus has no {MetricCatalog.GpuUtil} series. Is dcgm-exporter running on the GPU nodes, and scraped?";
        }

        if (panel.Id == DashboardPanels.Health && !presence.Any(MetricCatalog.PortalDeploymentReady))
        {
            return $"Prometheus does not scrape the portal's own /metrics (no {MetricCatalog.PortalDeploymentReady} series): " +
                   "add a scrape job for the portal, as deploy/prometheus/prometheus.yml does.";
        }

        return anyDeployments ? null : "No deployments match the filter.";
    }

    private static bool IsCount(string name) => name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_total", StringComparison.Ordinal);

    private static string Idle(PanelDefinition panel) =>
        MetricCatalog.Definition(panel.Primary).Shape is MetricShape.CounterRate or MetricShape.HistogramQuantiles
            ? "no requests in this time range."
            : "no value in this time range.";
}
