using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using PlotlyLayout = Plotly.Blazor.Layout;
using Portal.Services.Dashboard;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;

namespace Portal.Components.Dashboard;

/// <summary>
/// Plotly traces and layouts for the dashboard's charts. Text and grid colours come from the theme's CSS (LiveChart.razor.css), so
/// switching light/dark needs no redraw.
/// </summary>
public static class ChartFigures
{
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
        layout.Height = Math.Max(110, 50 + rows * 22);
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
        Name = id.LegendName,
        LegendGroup = id.Group,
        ShowLegend = id.InLegend,
        Meta = id.Name,
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
        HoverTemplate = "%{meta}: %{y:.3~f}<extra></extra>",
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

    private static string HealthText(double? value) => value switch
    {
        null => "no data",
        >= 1 => "ready",
        >= 0.5 => "ready, metrics not scraped",
        _ => "not ready",
    };
}
