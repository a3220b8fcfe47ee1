using Plotly.Blazor;
using PlotlyLayout = Plotly.Blazor.Layout;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Portal.Services.Dashboard;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;

namespace Portal.Components.Dashboard;

/// <summary>
/// Plotly traces and layouts for the dashboard's charts. Colours follow the deployment (or GPU) so one deployment
/// has one colour on every chart; text and grid colours come from the theme's CSS (LiveChart.razor.css), so
/// switching light/dark needs no redraw.
/// </summary>
public static class ChartFigures
{
    /// <summary>Distinct hues that read on white and on the dark theme's surface.</summary>
    public static readonly string[] Palette =
    [
        "#6366f1", "#0ea5e9", "#f59e0b", "#10b981", "#ef4444", "#a855f7",
        "#ec4899", "#14b8a6", "#f97316", "#84cc16", "#06b6d4", "#eab308",
    ];

    private static readonly object[][] HealthScale = [[0, "#dc2626"], [0.5, "#f59e0b"], [1, "#16a34a"]];

    public static Config Config() => new()
    {
        DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.False,
        DisplayLogo = false,
        Responsive = true,
    };

    public static PlotlyLayout Layout(PanelDefinition panel, int height) => new()
    {
        Height = height,
        AutoSize = true,
        Margin = new Margin { L = 56, R = 16, T = 8, B = 8, Pad = 4 },
        PaperBgColor = "rgba(0,0,0,0)",
        PlotBgColor = "rgba(0,0,0,0)",
        Font = new Font { Family = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif", Size = 11 },
        HoverMode = HoverModeEnum.XUnified,
        HoverLabel = new HoverLabel { BgColor = "rgba(17,24,39,0.92)", BorderColor = "rgba(17,24,39,0.92)", Font = new Plotly.Blazor.LayoutLib.HoverLabelLib.Font { Color = "#f9fafb", Size = 11 } },
        ShowLegend = true,
        Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = -0.18m, X = 0, BgColor = "rgba(0,0,0,0)" }],
        XAxis = [new XAxis { Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date, ShowGrid = false, AutoMargin = Plotly.Blazor.LayoutLib.XAxisLib.AutoMarginFlag.True, HoverFormat = "%H:%M:%S" }],
        YAxis =
        [
            new YAxis
            {
                TickSuffix = panel.AxisSuffix,
                AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
                RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero,
                Range = panel.Range is { } r ? [r.Min, r.Max] : null,
                AutoRange = panel.Range is null ? Plotly.Blazor.LayoutLib.YAxisLib.AutoRangeEnum.True : Plotly.Blazor.LayoutLib.YAxisLib.AutoRangeEnum.False,
                NTicks = 5,
                ZeroLine = false,
            },
        ],
    };

    /// <summary>The layout for a heatmap of <paramref name="rows"/> rows: category rows, no legend.</summary>
    public static void UseHeatmapLayout(PlotlyLayout layout, int rows)
    {
        layout.Height = Math.Max(150, 40 + rows * 22);
        layout.ShowLegend = false;
        layout.HoverMode = HoverModeEnum.Closest;
        var y = layout.YAxis[0];
        y.Type = Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Category;
        y.TickSuffix = null;
        y.Range = null;
        y.RangeMode = null;
        y.AutoRange = Plotly.Blazor.LayoutLib.YAxisLib.AutoRangeEnum.True;
        y.NTicks = null;
    }

    public static Scatter Line(TraceIdentity id, PanelKind kind, string color, IEnumerable<object> x, IEnumerable<object?> y) => new()
    {
        Name = id.Name,
        LegendGroup = id.Group,
        Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
        ConnectGaps = false,
        X = [.. x],
        Y = [.. y!],
        StackGroup = kind == PanelKind.StackedArea ? "stack" : null,
        Line = new ScatterLine
        {
            Color = color,
            Width = kind == PanelKind.StackedArea ? 1 : id.Style == TraceStyle.Solid ? 2 : 1.5m,
            Dash = id.Style switch { TraceStyle.Dotted => "dot", TraceStyle.Dashed => "dash", _ => "solid" },
        },
        HoverTemplate = "%{y:.3~f}",
    };

    public static HeatMap Heatmap(HeatmapReset update, IEnumerable<object> x) => update.Scale == HeatmapScale.Health
        ? new HeatMap
        {
            X = [.. x],
            Y = [.. update.Rows],
            Z = [.. update.Z.Select(row => (object)row.Cast<object?>().ToArray())],
            Text = [.. update.Z.Select(row => (object)row.Select(HealthText).ToArray())],
            ColorScale = HealthScale,
            ZMin = 0,
            ZMax = 1,
            ShowScale = false,
            YGap = 3,
            HoverOnGaps = false,
            HoverTemplate = "%{y}: %{text}<extra>%{x|%H:%M:%S}</extra>",
        }
        : new HeatMap
        {
            X = [.. x],
            Y = [.. update.Rows],
            Z = [.. update.Z.Select(row => (object)row.Cast<object?>().ToArray())],
            ColorScale = "Viridis",
            ZMin = 0,
            ZMax = 100,
            ShowScale = true,
            ColorBar = new Plotly.Blazor.Traces.HeatMapLib.ColorBar { TickSuffix = "%", Thickness = 10, OutlineWidth = 0 },
            YGap = 1,
            HoverOnGaps = false,
            HoverTemplate = "%{y}: %{z:.0f}%<extra>%{x|%H:%M:%S}</extra>",
        };

    /// <summary>The colour of a trace: the deployment's, or for GPUs one per GPU.</summary>
    public static string ColorOf(TraceIdentity id, IReadOnlyList<string> deployments)
    {
        if (id.Deployment is { } deployment)
        {
            var index = IndexOf(deployments, deployment);
            return Palette[(index >= 0 ? index : StableHash(deployment)) % Palette.Length];
        }

        return id.Key == "(other)" ? "#9ca3af" : Palette[StableHash(id.Key) % Palette.Length];
    }

    private static string HealthText(double? value) => value switch
    {
        null => "no data",
        >= 1 => "ready",
        >= 0.5 => "ready, metrics not scraped",
        _ => "not ready",
    };

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        return -1;
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked(hash * 31 + c);
        }

        return hash & int.MaxValue;
    }
}
