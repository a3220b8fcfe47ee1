using Portal.Application.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Monitoring;

namespace Portal.Services.Dashboard;

/// <summary>Why a chart is empty or lacks a deployment, in words: a notice per panel, a footnote per deployment, notes for the page.</summary>
public static class DashboardExplainer
{
    /// <summary>Sets each panel's notice and footnotes; returns the page-level notes.</summary>
    public static IReadOnlyList<string> Explain(
        IReadOnlyList<PanelFeed> panels, IReadOnlyList<DeploymentSummary> inScope, MetricPresence presence,
        IReadOnlyDictionary<string, double> scrapeUp, IReadOnlyList<GpuRow>? gpus, MetricCatalog catalog)
    {
        foreach (var panel in panels)
        {
            if (panel.Notice?.StartsWith("The query failed", StringComparison.Ordinal) == true && panel.Stale)
            {
                continue;
            }

            var missing = inScope
                .Where(d => !panel.DeploymentsWithData.Contains(d.Name))
                .Select(d => (d.Name, Why: MissingDataExplainer.WhyNoData(panel.Definition, d, presence, scrapeUp, catalog)))
                .Where(m => m.Why is not null)
                .ToList();
            var empty = !panel.HasData;
            panel.Notice = empty
                ? MissingDataExplainer.WhyEmpty(panel.Definition, inScope.Count > 0, presence, gpus) ?? (missing.Count > 0 ? "No data yet." : "No data in this time range.")
                : null;
            // GPU traces are per GPU, not per deployment; GPU panels without data say it once in the notice.
            panel.Footnotes = panel.Id == DashboardPanels.GpuUtilization || (panel.Definition.IsGpu && empty)
                ? []
                : missing.Select(m => $"{m.Name}: {m.Why}").ToList();
        }

        var viaGateway = inScope
            .Where(d => EngineProfiles.TryGet(d.Framework, out var p) && !p.ExposesMetrics)
            .Where(d => !presence.Counted(d.Name, catalog.SourceFor(MetricId.RequestRate, d.Framework).PresenceName))
            .GroupBy(d => d.Framework)
            .Select(g =>
            {
                var profile = EngineProfiles.Get(g.Key);
                var names = string.Join(", ", g.Select(d => d.Name));
                return $"{profile.DisplayName} has no metrics of its own: latency, token and request figures for {names} come from the portal gateway, " +
                       "which has not served it yet. Send it a request through /v1 or the playground and they appear here.";
            })
            .ToList();
        return viaGateway;
    }
}
