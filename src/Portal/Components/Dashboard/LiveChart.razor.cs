using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;
using PlotlyLayout = Plotly.Blazor.Layout;
using Portal.Services.Dashboard;

namespace Portal.Components.Dashboard;

/// <summary>
/// One Plotly chart fed by a <see cref="PanelFeed"/>: the first update draws it, later ones append points
/// (<c>extendTraces</c>, trimmed to the range's length) and add traces that appear. Updates are applied one after
/// another after the chart exists. The server keeps no points: trace lists are emptied once sent. The component
/// itself re-renders only when its notice, footnotes or staleness change.
/// </summary>
public sealed partial class LiveChart : ComponentBase, IAsyncDisposable
{
    private readonly TaskCompletionSource _plotted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private readonly List<ITrace> _data = [];
    private Config _config = default!;
    private PlotlyLayout _layout = default!;
    private PlotlyChart? _chart;
    private Task _applying = Task.CompletedTask;
    private string _renderedState = "";

    [Parameter, EditorRequired]
    public PanelFeed Feed { get; set; } = default!;

    /// <summary>The viewer's time zone: Plotly draws date axes in wall-clock time, so points are shifted into it.</summary>
    [Parameter, EditorRequired]
    public TimeZoneInfo TimeZone { get; set; } = default!;

    /// <summary>The colours of the session's traces (a deployment keeps its colour on every chart).</summary>
    [Parameter, EditorRequired]
    public TraceColors Colors { get; set; } = default!;

    [Inject]
    public required ILogger<LiveChart> Logger { get; init; }

    public string ChartId => $"chart-{Feed.Id}";

    public const int LinesHeight = 260;

    private int Height => Feed.Kind == PanelKind.Heatmap ? (int)(_layout.Height ?? LinesHeight) : LinesHeight;

    protected override void OnInitialized()
    {
        _config = ChartFigures.Config();
        _layout = ChartFigures.Layout(Feed.Definition, LinesHeight);
        _renderedState = State(); // the first render does not ask ShouldRender
        Feed.Updated += OnUpdated;
    }

    protected override bool ShouldRender()
    {
        var state = State();
        if (state == _renderedState)
        {
            return false;
        }

        _renderedState = state;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        Feed.Updated -= OnUpdated;
        await _disposed.CancelAsync();
        try
        {
            await _applying;
        }
        catch (OperationCanceledException)
        {
        }

        _disposed.Dispose();
    }

    private string State() => $"{Feed.Kind}|{Feed.Stale}|{Feed.Notice}|{string.Join('\n', Feed.Footnotes)}|{(Feed.Kind == PanelKind.Heatmap ? _layout.Height : 0)}";

    private void OnPlotted() => _plotted.TrySetResult();

    private void OnUpdated(PanelUpdate update)
    {
        lock (_gate)
        {
            _applying = ApplyAfterAsync(_applying, update);
        }
    }

    private async Task ApplyAfterAsync(Task previous, PanelUpdate update)
    {
        await previous;
        try
        {
            await _plotted.Task.WaitAsync(_disposed.Token);
            await InvokeAsync(() => ApplyAsync(update, _disposed.Token));
        }
        catch (Exception ex) when (ex is OperationCanceledException or JSDisconnectedException or ObjectDisposedException or JSException)
        {
            LogNotApplied(Logger, Feed.Id, ex.GetType().Name, ex.Message);
        }
    }

    private async Task ApplyAsync(PanelUpdate update, CancellationToken cancellationToken)
    {
        if (_chart is null)
        {
            return;
        }

        switch (update)
        {
            case LinesReset reset:
                _layout = Reuse(_layout, ChartFigures.Layout(Feed.Definition, LinesHeight));
                _data.Clear();
                var x = Local(reset.X);
                foreach (var trace in reset.Traces)
                {
                    _data.Add(ChartFigures.Line(trace.Id, reset.Kind, Colors.ColorOf(trace.Id), x, Box(trace.Values)));
                }

                await _chart.React(cancellationToken);
                break;
            case LinesExtend extend:
                var times = Local(extend.X);
                if (extend.Existing.Count > 0 && extend.X.Length > 0)
                {
                    await _chart.ExtendTraces(
                        extend.Existing.Select(_ => (IEnumerable<object>)times),
                        extend.Existing.Select(values => (IEnumerable<object>)Box(values)),
                        Enumerable.Range(0, extend.Existing.Count),
                        extend.MaxPoints,
                        cancellationToken);
                }

                foreach (var trace in extend.Added)
                {
                    await _chart.AddTrace(ChartFigures.Line(trace.Id, Feed.Kind, Colors.ColorOf(trace.Id), times, Box(trace.Values)), cancellationToken: cancellationToken);
                }

                break;
            case HeatmapReset heatmap:
                var previousHeight = _layout.Height;
                _layout = Reuse(_layout, ChartFigures.Layout(Feed.Definition, LinesHeight));
                ChartFigures.UseHeatmapLayout(_layout, heatmap.Rows.Count);
                _data.Clear();
                _data.Add(ChartFigures.Heatmap(heatmap, Local(heatmap.X)));
                await _chart.React(cancellationToken);
                if (previousHeight != _layout.Height)
                {
                    StateHasChanged();
                }

                break;
        }

        Forget();
    }

    /// <summary>
    /// Once the browser has a trace, the server keeps only a stand-in with empty X and Y lists (all
    /// <c>extendTraces</c> needs): Plotly.Blazor's trace objects are large, and a dashboard of 20 deployments draws
    /// some 270 of them.
    /// </summary>
    private void Forget()
    {
        for (var i = 0; i < _data.Count; i++)
        {
            if (_data[i] is not SentTrace)
            {
                _data[i] = new SentTrace(_data[i].Type);
            }
        }
    }

    /// <summary>PlotlyChart holds the Layout instance it was given: copy the new settings into it.</summary>
    private static PlotlyLayout Reuse(PlotlyLayout current, PlotlyLayout next)
    {
        current.Height = next.Height;
        current.ShowLegend = next.ShowLegend;
        current.HoverMode = next.HoverMode;
        current.YAxis = next.YAxis;
        current.XAxis = next.XAxis;
        return current;
    }

    private object[] Local(long[] unixMs)
    {
        var result = new object[unixMs.Length];
        for (var i = 0; i < unixMs.Length; i++)
        {
            var ms = unixMs[i];
            result[i] = ms + (long)TimeZone.GetUtcOffset(DateTimeOffset.FromUnixTimeMilliseconds(ms)).TotalMilliseconds;
        }

        return result;
    }

    private static object?[] Box(double?[] values)
    {
        var result = new object?[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = values[i] is { } v ? Math.Round(v, 4) : null;
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chart {Panel}: update not applied ({Exception}: {Message})")]
    private static partial void LogNotApplied(ILogger logger, string panel, string exception, string message);

    /// <summary>A trace the browser already holds: its type, and the lists Plotly.Blazor appends to before sending an extension.</summary>
    private sealed class SentTrace(TraceTypeEnum? type) : ITrace
    {
        public TraceTypeEnum? Type { get; } = type;

        public IList<object> X { get; set; } = [];

        public IList<object> Y { get; set; } = [];
    }
}
