using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;
using Portal.Services.Benchmarks;
using PlotlyLayout = Plotly.Blazor.Layout;

namespace Portal.Components.Benchmarks;

/// <summary>Draws a <see cref="BenchmarkFigure"/>; a new figure (another version) replaces the traces in place.</summary>
public sealed partial class BenchmarkChart : ComponentBase
{
    private readonly Config _config = BenchmarkFigures.Config();
    private readonly List<ITrace> _data = [];
    private PlotlyLayout _layout = new();
    private PlotlyChart? _chart;
    private bool _plotted;
    private int _drawn = -1;


    [Parameter, EditorRequired]
    public BenchmarkFigure Figure { get; set; } = default!;

    /// <summary>Changes when the figure's data changes.</summary>
    [Parameter, EditorRequired]
    public int Version { get; set; }

    protected override void OnParametersSet()
    {
        // PlotlyChart draws what it holds at its first render; later figures go in by React once it has drawn.
        if (_drawn < 0)
        {
            _layout = Figure.Layout;
            _data.AddRange(Figure.Traces);
            _drawn = Version;
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_plotted && _drawn != Version && _chart is not null)
        {
            _drawn = Version;
            _data.Clear();
            _data.AddRange(Figure.Traces);
            _layout.XAxis = Figure.Layout.XAxis;
            try
            {
                await _chart.React();
            }
            catch (Exception e) when (e is JSDisconnectedException or JSException or TaskCanceledException or ObjectDisposedException)
            {
                // The page is going away.
            }
        }
    }

    /// <summary>A newer figure may have come while the first one was drawn: render again to apply it.</summary>
    private void OnPlotted()
    {
        _plotted = true;
        if (_drawn != Version)
        {
            _ = InvokeAsync(StateHasChanged);
        }
    }
}
