namespace Portal.Services.Dashboard;

/// <summary>The fleet figures the stat cards draw as sparklines, fed by the panels' results as they arrive.</summary>
public sealed class FleetTrends
{
    private readonly Dictionary<string, double> _scrapeUp = new(StringComparer.Ordinal);
    private readonly TrendBuffer _gpusInUse = new();
    private readonly TrendBuffer _gpuUtilization = new();
    private readonly TrendBuffer _ready = new();
    private readonly TrendBuffer _requests = new();
    private readonly TrendBuffer _errors = new();
    private readonly TrendBuffer _ttft = new();
    private string _worstTtft = "";

    public TrendBuffer GpusInUse => _gpusInUse;

    public TrendBuffer GpuUtilization => _gpuUtilization;

    public TrendBuffer Ready => _ready;

    public TrendBuffer Requests => _requests;

    public TrendBuffer Errors => _errors;

    public TrendBuffer TimeToFirstToken => _ttft;

    /// <summary>The deployment with the highest p95 TTFT at the last point.</summary>
    public string WorstTimeToFirstToken => _worstTtft;

    /// <summary>The last scrape health of each deployment's pods (1 up, below 1 some down).</summary>
    public IReadOnlyDictionary<string, double> ScrapeUp => _scrapeUp;

    /// <summary>Adds a panel's points to the trends it feeds (whole-range results start them afresh).</summary>
    public void Update(PanelResult result, PanelFeed feed)
    {
        var points = result.Window.Points;
        var fresh = feed.Loaded is { } loaded && loaded.Start == result.Window.Start;
        switch (result.Panel.Id)
        {
            case DashboardPanels.GpuUtilization:
                if (fresh)
                {
                    _gpusInUse.Clear();
                    _gpuUtilization.Clear();
                }

                for (var i = 0; i < points; i++)
                {
                    var values = result.Traces.Select(t => t.Values[i]).OfType<double>().ToList();
                    _gpusInUse.Add(values.Count == 0 ? double.NaN : result.Traces.Count(t => t.Values[i] is not null && t.Held![i]));
                    _gpuUtilization.Add(values.Count == 0 ? double.NaN : values.Average());
                }

                break;
            case DashboardPanels.Health:
                if (fresh)
                {
                    _ready.Clear();
                }

                for (var i = 0; i < points; i++)
                {
                    var ready = result.Traces.Where(t => t.Id.Variant == "ready").Select(t => t.Values[i]).OfType<double>().ToList();
                    _ready.Add(ready.Count == 0 ? double.NaN : ready.Count(v => v >= 1));
                }

                foreach (var scrape in result.Traces.Where(t => t.Id.Variant == "scrape"))
                {
                    if (scrape.Values.LastOrDefault(v => v is not null) is { } up)
                    {
                        _scrapeUp[scrape.Id.Deployment ?? ""] = up;
                    }
                }

                break;
            case DashboardPanels.Traffic:
                if (fresh)
                {
                    _requests.Clear();
                    _errors.Clear();
                }

                for (var i = 0; i < points; i++)
                {
                    _requests.Add(SumPreferringEngine(result.Traces.Where(t => t.Id.Variant == "requests"), i));
                    _errors.Add(SumPreferringEngine(result.Traces.Where(t => t.Id.Variant == "errors"), i));
                }

                break;
            case DashboardPanels.TimeToFirstToken:
                if (fresh)
                {
                    _ttft.Clear();
                }

                for (var i = 0; i < points; i++)
                {
                    var worst = PreferEngine(result.Traces.Where(t => t.Id.Variant == "0.95"), i)
                        .OrderByDescending(p => p.Value)
                        .FirstOrDefault();
                    _ttft.Add(worst.Deployment is null ? double.NaN : worst.Value);
                    if (worst.Deployment is not null)
                    {
                        _worstTtft = worst.Deployment;
                    }
                }

                break;
        }
    }

    /// <summary>Per deployment at point <paramref name="i"/>: the engine's value when it has one, else the gateway's.</summary>
    private static IEnumerable<(string? Deployment, double Value)> PreferEngine(IEnumerable<TraceSeries> traces, int i) => traces
        .Where(t => t.Values[i] is not null)
        .GroupBy(t => t.Id.Deployment)
        .Select(g => (g.Key, (g.FirstOrDefault(t => t.Id.Source == "engine") ?? g.First()).Values[i]!.Value));

    private static double SumPreferringEngine(IEnumerable<TraceSeries> traces, int i)
    {
        var values = PreferEngine(traces, i).ToList();
        return values.Count == 0 ? double.NaN : values.Sum(v => v.Value);
    }
}
