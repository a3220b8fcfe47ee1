namespace Portal.Services.Dashboard;

/// <summary>What a chart is told to do: redraw from scratch, or append points (and perhaps new traces).</summary>
public abstract record PanelUpdate;

/// <summary>Draw these traces over this grid (Unix ms), keeping at most <paramref name="MaxPoints"/> per trace from now on.</summary>
public sealed record LinesReset(PanelKind Kind, long[] X, IReadOnlyList<TraceSeries> Traces, int MaxPoints) : PanelUpdate;

/// <summary>
/// Append <paramref name="X"/> to every trace already drawn (<paramref name="Existing"/>[i] for trace i, nulls for gaps),
/// then add <paramref name="Added"/> traces that first appeared in this window.
/// </summary>
public sealed record LinesExtend(long[] X, IReadOnlyList<double?[]> Existing, IReadOnlyList<TraceSeries> Added, int MaxPoints) : PanelUpdate;

/// <summary>A rows × time heatmap, redrawn whole (Plotly cannot append columns to a heatmap).</summary>
public sealed record HeatmapReset(long[] X, IReadOnlyList<string> Rows, IReadOnlyList<double?[]> Z, HeatmapScale Scale) : PanelUpdate;

public enum HeatmapScale
{
    /// <summary>0–100 %.</summary>
    Percent,

    /// <summary>0 not ready, 0.5 ready but not scraped, 1 ready.</summary>
    Health,
}

/// <summary>
/// One chart's live state inside a <see cref="DashboardSession"/>: the traces drawn so far, what to say when data is
/// missing, whether its data is stale, and the stream of updates the chart component applies in order.
/// </summary>
public sealed class PanelFeed(PanelDefinition definition)
{
    private readonly List<TraceIdentity> _traces = [];
    private readonly HashSet<string> _deploymentsWithData = new(StringComparer.Ordinal);

    public PanelDefinition Definition => definition;

    public string Id => definition.Id;

    /// <summary>How the chart draws now (the GPU panel turns into a heatmap above <see cref="DashboardPanels.HeatmapAboveGpus"/> GPUs).</summary>
    public PanelKind Kind { get; internal set; } = definition.Kind;

    /// <summary>Traces in the order the chart holds them.</summary>
    public IReadOnlyList<TraceIdentity> Traces => _traces;

    /// <summary>The end of the last window this panel received; null until its first full load.</summary>
    public DashboardWindow? Loaded { get; internal set; }

    /// <summary>Shown in place of the chart when it has no data at all.</summary>
    public string? Notice { get; internal set; }

    /// <summary>Deployments without data on this chart, and why.</summary>
    public IReadOnlyList<string> Footnotes { get; internal set; } = [];

    /// <summary>True while the last refresh of this panel failed: the chart keeps its last data, greyed out.</summary>
    public bool Stale { get; internal set; }

    /// <summary>Raised for each update, in order; handlers must not block (the chart queues and applies them).</summary>
    public event Action<PanelUpdate>? Updated;

    public bool HasData => _deploymentsWithData.Count > 0 || _anyData;

    private bool _anyData;

    internal IReadOnlySet<string> DeploymentsWithData => _deploymentsWithData;

    internal void Reset(IEnumerable<TraceSeries> traces)
    {
        _traces.Clear();
        _deploymentsWithData.Clear();
        _anyData = false;
        foreach (var trace in traces)
        {
            _traces.Add(trace.Id);
            Note(trace);
        }
    }

    internal void Add(TraceSeries trace)
    {
        _traces.Add(trace.Id);
        Note(trace);
    }

    internal void Note(TraceSeries trace)
    {
        if (!trace.HasData)
        {
            return;
        }

        _anyData = true;
        if (trace.Id.Deployment is { } deployment)
        {
            _deploymentsWithData.Add(deployment);
        }
    }

    internal void Publish(PanelUpdate update) => Updated?.Invoke(update);
}
