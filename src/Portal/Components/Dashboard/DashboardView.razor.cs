using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Portal.Services.Dashboard;

namespace Portal.Components.Dashboard;

/// <summary>
/// The live charts for a filter: owns a <see cref="DashboardSession"/> (a new one whenever the filter changes),
/// starts it once the circuit is interactive and the viewer's time zone is known, and re-renders on its changes;
/// the cards, charts and table below skip rendering when their own data did not change.
/// </summary>
public sealed partial class DashboardView : ComponentBase, IAsyncDisposable
{
    private DashboardSession _session = default!;
    private DashboardFilter? _sessionFilter;
    private TimeZoneInfo _timeZone = TimeZoneInfo.Utc;
    private bool _interactive;
    private bool _startPending;
    private int _generation;

    [Inject]
    public required DashboardSessionFactory Sessions { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required ILogger<DashboardView> Logger { get; init; }

    [Parameter, EditorRequired]
    public DashboardFilter Filter { get; set; } = default!;

    [Parameter, EditorRequired]
    public EventCallback<DashboardFilter> FilterChanged { get; set; }

    /// <summary>Also draw the gateway's own latency and token figures beside the engine's (the deployment page).</summary>
    [Parameter]
    public bool GatewayCrossCheck { get; set; }

    [Parameter]
    public bool ShowGpuTable { get; set; } = true;

    private static int QueriesPerRefresh => DashboardLoader.QueriesPerRefresh(DashboardPanels.All.Count);

    private string StatusText
    {
        get
        {
            var status = _session.Status;
            var updated = status.LastSuccess is { } t ? $"Updated {Clock(t)}" : "Loading…";
            return !Filter.IsLive ? $"{updated} · fixed range"
                : status.Paused ? $"{updated} · paused"
                : $"{updated} · every {_session.RefreshInterval.TotalSeconds:0.#} s";
        }
    }

    protected override void OnParametersSet()
    {
        if (_sessionFilter == Filter && _session is not null)
        {
            return;
        }

        var previous = _session;
        _sessionFilter = Filter;
        _session = Sessions.Create(Filter, GatewayCrossCheck);
        _session.Changed += OnSessionChanged;
        _generation++;
        _startPending = true;
        if (previous is not null)
        {
            previous.Changed -= OnSessionChanged;
            _ = previous.DisposeAsync().AsTask();
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _timeZone = await ReadTimeZoneAsync();
            _interactive = true;
        }

        if (_interactive && _startPending)
        {
            _startPending = false;
            _session.Start();
            if (firstRender)
            {
                StateHasChanged();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is not null)
        {
            _session.Changed -= OnSessionChanged;
            await _session.DisposeAsync();
        }
    }

    private void OnSessionChanged() => _ = InvokeAsync(StateHasChanged);

    private void TogglePause()
    {
        if (_session.Status.Paused)
        {
            _session.Resume();
        }
        else
        {
            _session.Pause();
        }
    }

    /// <summary>
    /// Heatmaps (health; GPUs when there are many) take the whole width; so does the last chart when the others
    /// leave it alone on its row.
    /// </summary>
    private HashSet<string> WidePanels()
    {
        var wide = _session.Panels.Where(p => p.Kind == PanelKind.Heatmap).Select(p => p.Id).ToHashSet();
        var narrow = _session.Panels.Where(p => !wide.Contains(p.Id)).ToList();
        if (narrow.Count % 2 == 1)
        {
            wide.Add(narrow[^1].Id);
        }

        return wide;
    }

    private string Clock(DateTimeOffset time) => TimeZoneInfo.ConvertTime(time, _timeZone).ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private async Task<TimeZoneInfo> ReadTimeZoneAsync()
    {
        try
        {
            await using var module = await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Dashboard/DashboardView.razor.js");
            var id = await module.InvokeAsync<string>("timeZone");
            return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
        }
        catch (JSException ex)
        {
            LogNoTimeZone(Logger, ex.Message);
            return TimeZoneInfo.Utc;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dashboard: the browser's time zone could not be read ({Message}); using UTC")]
    private static partial void LogNoTimeZone(ILogger logger, string message);
}
