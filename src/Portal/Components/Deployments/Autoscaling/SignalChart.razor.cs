using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Portal.Application.Autoscaling;
using Portal.Components.Dashboard;
using Portal.Services.Dashboard;
using PlotlyLayout = Plotly.Blazor.Layout;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;

namespace Portal.Components.Deployments.Autoscaling;

/// <summary>Draws a <see cref="SignalReading"/>: one line per deployment and the target as a dashed line; redrawn whole when the reading changes.</summary>
public sealed partial class SignalChart : ComponentBase
{
    private static readonly string[] Palette = ["#2563eb", "#9333ea", "#0891b2", "#ca8a04"];
    private readonly IList<ITrace> _data = [];
    private Config _config = default!;
    private PlotlyLayout _layout = default!;
    private PlotlyChart? _chart;
    private SignalReading? _drawn;
    private bool _plotted;

    [Parameter, EditorRequired]
    public SignalReading Reading { get; set; } = default!;

    [Parameter]
    public string Id { get; set; } = "signal-chart";

    /// <summary>Whether the lines are of other deployments (the wizard's preview).</summary>
    [Parameter]
    public bool Similar { get; set; }

    [Parameter]
    public string? Framework { get; set; }

    [Parameter]
    public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Utc;

    protected override void OnInitialized()
    {
        _config = ChartFigures.Config();
        _layout = ChartFigures.Layout(new PanelDefinition("signal", "", "", "", PanelKind.Lines, [], (_, _) => "", _ => null), 220);
        _layout.Margin.B = 4;
    }

    protected override async Task OnParametersSetAsync()
    {
        if (!ReferenceEquals(Reading, _drawn) && _plotted && _chart is not null)
        {
            Fill();
            await _chart.React();
        }
    }

    /// <summary>The chart exists in the page: draw the reading into it (Plotly.Blazor draws an empty figure first).</summary>
    private void OnPlotted()
    {
        if (_plotted || _chart is null)
        {
            return;
        }

        _plotted = true;
        _ = InvokeAsync(async () =>
        {
            Fill();
            await _chart.React();
        });
    }

    private void Fill()
    {
        _drawn = Reading;
        _data.Clear();
        var times = new List<object>();
        for (var i = 0; i < Reading.Series.Count; i++)
        {
            var series = Reading.Series[i];
            _data.Add(new Scatter
            {
                Name = series.Deployment,
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
                X = [.. series.Points.Select(p => (object)Local(p.UnixMilliseconds))],
                Y = [.. series.Points.Select(p => (object)p.Value)],
                Line = new ScatterLine { Color = Palette[i % Palette.Length], Width = i == 0 ? 2 : 1.5m },
                HoverTemplate = "%{y:.3~f}<extra>" + series.Deployment + "</extra>",
            });
            times.AddRange(series.Points.Select(p => (object)Local(p.UnixMilliseconds)));
        }

        if (times.Count > 0)
        {
            _data.Add(new Scatter
            {
                Name = "target",
                Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
                X = [times.Cast<long>().Min(), times.Cast<long>().Max()],
                Y = [Reading.Target, Reading.Target],
                Line = new ScatterLine { Color = "#dc2626", Width = 1.5m, Dash = "dash" },
                HoverTemplate = "target %{y:.3~f}<extra></extra>",
            });
        }
    }

    /// <summary>Plotly draws date axes in wall-clock time: Unix milliseconds shifted into the viewer's zone.</summary>
    private long Local(long unixMs) => unixMs + (long)TimeZone.GetUtcOffset(DateTimeOffset.FromUnixTimeMilliseconds(unixMs)).TotalMilliseconds;
}
