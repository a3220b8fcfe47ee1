using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Portal.Domain.Benchmarks;
using PlotlyLayout = Plotly.Blazor.Layout;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;

namespace Portal.Services.Benchmarks;

/// <summary>A chart to draw: its traces and layout.</summary>
public sealed record BenchmarkFigure(string Id, string Title, string Subtitle, IList<ITrace> Traces, PlotlyLayout Layout);

/// <summary>
/// The run and compare pages' charts, from the stored steps: latency percentiles against the load achieved (request
/// rate), throughput against requests in flight (rate × mean end-to-end latency, Little's law, so concurrency and rate
/// steps share an axis), and the TTFT distribution of each step (or of each run's heaviest step when comparing).
/// </summary>
public static class BenchmarkFigures
{
    private static readonly string[] Palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];

    public static string ColorOf(int index) => Palette[index % Palette.Length];

    public static BenchmarkFigure Latency(IReadOnlyList<BenchmarkRun> runs, bool itl = false)
    {
        var traces = new List<ITrace>();
        for (var i = 0; i < runs.Count; i++)
        {
            var steps = Ordered(runs[i]);
            var name = runs.Count == 1 ? "" : Short(runs[i]) + " ";
            Func<BenchmarkStep, LatencyStats> pick = itl ? s => s.Itl : s => s.Ttft;
            traces.Add(Line($"{name}p50", steps.Select(s => (object)Math.Round(s.RequestsPerSecond, 3)), steps.Select(s => (object?)Math.Round(pick(s).P50, 2)), ColorOf(i), "dot"));
            traces.Add(Line($"{name}p95", steps.Select(s => (object)Math.Round(s.RequestsPerSecond, 3)), steps.Select(s => (object?)Math.Round(pick(s).P95, 2)), ColorOf(i), "solid"));
            traces.Add(Line($"{name}p99", steps.Select(s => (object)Math.Round(s.RequestsPerSecond, 3)), steps.Select(s => (object?)Math.Round(pick(s).P99, 2)), ColorOf(i), "dash"));
        }

        var what = itl ? "Inter-token latency" : "Time to first token";
        return new BenchmarkFigure(itl ? "chart-itl" : "chart-ttft", $"{what} vs load", "p50 dotted, p95 solid, p99 dashed", traces,
            Layout("request rate achieved (req/s)", "ms"));
    }

    public static BenchmarkFigure Throughput(IReadOnlyList<BenchmarkRun> runs)
    {
        var traces = new List<ITrace>();
        for (var i = 0; i < runs.Count; i++)
        {
            var steps = Ordered(runs[i]).OrderBy(InFlight).ToList();
            traces.Add(Line(runs.Count == 1 ? "output tok/s" : Short(runs[i]), steps.Select(s => (object)Math.Round(InFlight(s), 2)),
                steps.Select(s => (object?)Math.Round(s.OutputTokensPerSecond, 1)), ColorOf(i), "solid"));
        }

        return new BenchmarkFigure("chart-throughput", "Throughput vs load", "output tokens per second against requests in flight", traces,
            Layout("requests in flight (mean)", " tok/s"));
    }

    public static BenchmarkFigure TtftDistribution(IReadOnlyList<(string Name, IReadOnlyList<RequestSample> Samples)> series)
    {
        var traces = new List<ITrace>();
        for (var i = 0; i < series.Count; i++)
        {
            traces.Add(new Histogram
            {
                Name = series[i].Name,
                X = series[i].Samples.Where(s => s.Ok && s.TtftMs is not null).Select(s => (object)Math.Round(s.TtftMs!.Value, 2)).ToList(),
                Opacity = 0.6m,
                NBinsX = 30,
                Marker = new Plotly.Blazor.Traces.HistogramLib.Marker { Color = ColorOf(i) },
            });
        }

        var layout = Layout("time to first token (ms)", "");
        layout.BarMode = BarModeEnum.Overlay;
        layout.XAxis[0].RangeMode = Plotly.Blazor.LayoutLib.XAxisLib.RangeModeEnum.ToZero;
        return new BenchmarkFigure("chart-ttft-histogram", "TTFT distribution", "requests per TTFT bin", traces, layout);
    }

    /// <summary>Requests in flight on average during a step: rate × mean end-to-end latency.</summary>
    public static double InFlight(BenchmarkStep step) => step.RequestsPerSecond * step.E2e.Mean / 1000;

    public static Config Config() => new()
    {
        DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.False,
        DisplayLogo = false,
        Responsive = true,
    };

    private static IReadOnlyList<BenchmarkStep> Ordered(BenchmarkRun run) => run.Steps.Where(s => s.Completed > 0).OrderBy(s => s.RequestsPerSecond).ToList();

    private static string Short(BenchmarkRun run) => $"{run.Framework} · {run.DeploymentName}";

    private static Scatter Line(string name, IEnumerable<object> x, IEnumerable<object?> y, string color, string dash) => new()
    {
        Name = name,
        Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
        X = [.. x],
        Y = [.. y!],
        Line = new ScatterLine { Color = color, Width = 2, Dash = dash },
        HoverTemplate = "%{y:.3~f} at %{x:.3~f}<extra>" + name + "</extra>",
    };

    private static PlotlyLayout Layout(string xTitle, string ySuffix) => new()
    {
        Height = 280,
        AutoSize = true,
        Margin = new Margin { L = 60, R = 16, T = 8, B = 44, Pad = 4 },
        PaperBgColor = "rgba(0,0,0,0)",
        PlotBgColor = "rgba(0,0,0,0)",
        Font = new Font { Family = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif", Size = 11 },
        ShowLegend = true,
        // Above the plot, where a legend of several runs never runs into the axis title.
        Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = 1.02m, YAnchor = Plotly.Blazor.LayoutLib.LegendLib.YAnchorEnum.Bottom, X = 0, BgColor = "rgba(0,0,0,0)" }],
        XAxis = [new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = xTitle }, ZeroLine = false, RangeMode = Plotly.Blazor.LayoutLib.XAxisLib.RangeModeEnum.ToZero }],
        YAxis = [new YAxis { TickSuffix = ySuffix, RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero, NTicks = 6, ZeroLine = false }],
    };
}
