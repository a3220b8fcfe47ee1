namespace Portal.Services.Dashboard;

/// <summary>
/// Turns one panel's query result into the updates its chart draws: a reset with the whole range, or an append of
/// the new points (lines, or the GPU and health heatmaps when there are many rows). Holds the heatmap buffers.
/// </summary>
public sealed class PanelUpdater
{
    private readonly Dictionary<string, HeatmapBuffer> _heatmaps = new(StringComparer.Ordinal);

    /// <summary>Applies a result to its panel: reset or extend, then records the window now drawn.</summary>
    public void Apply(PanelFeed feed, PanelResult result, IReadOnlyList<Application.Deployments.DeploymentSummary> inScope)
    {
        feed.Stale = false;
        if (feed.Loaded is null)
        {
            Reset(feed, result, inScope);
        }
        else
        {
            Extend(feed, result, inScope);
        }

        if (feed.Loaded is not null || feed.Kind == feed.Definition.Kind || feed.Definition.Id != DashboardPanels.GpuUtilization)
        {
            feed.Loaded ??= result.Window;
            feed.Loaded = feed.Loaded.Value with { End = result.Window.End };
        }
    }

    private void Reset(PanelFeed feed, PanelResult result, IReadOnlyList<Application.Deployments.DeploymentSummary> inScope)
    {
        var times = result.Window.Times();
        feed.Kind = feed.Definition.Id == DashboardPanels.GpuUtilization && result.Traces.Count > DashboardPanels.HeatmapAboveGpus
            ? PanelKind.Heatmap
            : feed.Definition.Kind;
        feed.Reset(result.Traces);
        if (feed.Kind == PanelKind.Heatmap)
        {
            var buffer = new HeatmapBuffer(result.Window.Points);
            _heatmaps[feed.Id] = buffer;
            buffer.Append(times, HeatmapRows(feed, result));
            PublishHeatmap(feed, buffer, inScope);
        }
        else
        {
            feed.Publish(new LinesReset(feed.Kind, times, result.Traces, result.Window.Points));
        }
    }

    private void Extend(PanelFeed feed, PanelResult result, IReadOnlyList<Application.Deployments.DeploymentSummary> inScope)
    {
        var times = result.Window.Times();
        var maxPoints = feed.Loaded!.Value.Points;
        if (feed.Kind == PanelKind.Heatmap)
        {
            var buffer = _heatmaps[feed.Id];
            foreach (var trace in result.Traces)
            {
                feed.Note(trace);
            }

            buffer.Append(times, HeatmapRows(feed, result));
            PublishHeatmap(feed, buffer, inScope);
            return;
        }

        var byKey = result.Traces.ToDictionary(t => t.Id.Key, StringComparer.Ordinal);
        var existing = feed.Traces.Select(id => byKey.TryGetValue(id.Key, out var t) ? t.Values : new double?[times.Length]).ToList();
        foreach (var id in feed.Traces)
        {
            if (byKey.TryGetValue(id.Key, out var t))
            {
                feed.Note(t);
            }
        }

        var known = feed.Traces.Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var added = result.Traces.Where(t => !known.Contains(t.Id.Key)).ToList();
        if (feed.Definition.Id == DashboardPanels.GpuUtilization && feed.Traces.Count + added.Count > DashboardPanels.HeatmapAboveGpus)
        {
            feed.Loaded = null; // too many GPUs for lines now: the next refresh draws the heatmap
            return;
        }

        foreach (var trace in added)
        {
            feed.Add(trace);
        }

        feed.Publish(new LinesExtend(times, existing, added, maxPoints));
    }

    private IEnumerable<(string Key, string Label, double?[] Values)> HeatmapRows(PanelFeed feed, PanelResult result)
    {
        if (feed.Id != DashboardPanels.Health)
        {
            return result.Traces.Select(t => (t.Id.Key, t.Id.Name, t.Values));
        }

        // Per deployment: 1 ready, 0.5 ready but its pods' metrics not scraped, 0 not ready, gap when unknown.
        return result.Traces
            .GroupBy(t => t.Id.Deployment ?? "")
            .Select(g =>
            {
                var ready = g.FirstOrDefault(t => t.Id.Variant == "ready")?.Values;
                var scrape = g.FirstOrDefault(t => t.Id.Variant == "scrape")?.Values;
                var values = new double?[result.Window.Points];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = ready?[i] is not { } r ? null : r < 1 ? 0 : scrape?[i] is { } s && s < 1 ? 0.5 : 1;
                }

                return (g.Key, g.Key, values);
            });
    }

    private void PublishHeatmap(PanelFeed feed, HeatmapBuffer buffer, IReadOnlyList<Application.Deployments.DeploymentSummary> inScope)
    {
        if (feed.Id == DashboardPanels.Health)
        {
            foreach (var deployment in inScope)
            {
                buffer.EnsureRow(deployment.Name, deployment.Name);
            }

            // Rows top to bottom in name order (Plotly draws the first row at the bottom).
            feed.Publish(buffer.Snapshot(Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a)), HeatmapScale.Health));
        }
        else
        {
            feed.Publish(buffer.Snapshot(Comparer<string>.Create(CompareGpuKeys), HeatmapScale.Percent));
        }
    }

    /// <summary>GPU keys are "host/index": hosts in order, then GPU numbers numerically, last GPU at the bottom.</summary>
    private static int CompareGpuKeys(string a, string b)
    {
        static (string Host, int Gpu) Split(string key)
        {
            var slash = key.LastIndexOf('/');
            return (key[..Math.Max(0, slash)], int.TryParse(key[(slash + 1)..], out var n) ? n : 0);
        }

        var (ha, ga) = Split(a);
        var (hb, gb) = Split(b);
        var byHost = string.CompareOrdinal(hb, ha);
        return byHost != 0 ? byHost : gb.CompareTo(ga);
    }
}
