using Microsoft.Extensions.Options;
using Portal.Application.Deployments;
using Portal.Application.Monitoring;
using Portal.Domain.Monitoring;

namespace Portal.Services.Dashboard;

/// <summary>
/// One open dashboard (a page or a deployment's Metrics tab): loads the whole time range once, then every
/// <see cref="DashboardOptions.RefreshInterval"/> asks Prometheus only for the points after the last ones drawn and
/// hands each chart an append. It keeps no history of its own beyond small heatmap buffers and card sparklines.
/// When Prometheus is down or slow the status carries the error and every chart is marked stale; the next good
/// refresh fills the gap.
/// </summary>
public sealed partial class DashboardSession : IAsyncDisposable
{
    private readonly DashboardLoader _loader;
    private readonly DeploymentQueries _queries;
    private readonly MetricCatalog _catalog;
    private readonly DashboardOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly PanelUpdater _updater = new();
    private readonly FleetTrends _trends = new();
    private IReadOnlyCollection<string>? _scopeNames;
    private bool _scopeResolved;
    private MetricPresence _presence = MetricPresence.Empty;
    private Task _loop = Task.CompletedTask;
    private Task _resumed = Task.CompletedTask;
    private bool _paused;
    private bool _disposed;

    public DashboardSession(
        DashboardLoader loader,
        DeploymentQueries queries,
        MetricCatalog catalog,
        IOptions<DashboardOptions> options,
        TimeProvider time,
        ILogger<DashboardSession> logger,
        DashboardFilter filter,
        bool gatewayCrossCheck)
    {
        _loader = loader;
        _queries = queries;
        _catalog = catalog;
        _options = options.Value;
        _time = time;
        _logger = logger;
        Filter = filter;
        GatewayCrossCheck = gatewayCrossCheck;
        Colors = new TraceColors { GatewayApart = gatewayCrossCheck };
        Panels = DashboardPanels.All.Select(p => new PanelFeed(p)).ToList();
        Status = new DashboardStatus(null, null, false, filter.IsLive, 0);
    }

    public DashboardFilter Filter { get; }

    public bool GatewayCrossCheck { get; }

    public IReadOnlyList<PanelFeed> Panels { get; }

    public DashboardStatus Status { get; private set; }

    public IReadOnlyList<StatCardModel> Cards { get; private set; } = [];

    /// <summary>Every GPU in scope now (null until the first good refresh).</summary>
    public IReadOnlyList<GpuRow>? Gpus { get; private set; }

    /// <summary>Page-level notes, such as where Ollama's figures come from.</summary>
    public IReadOnlyList<string> Notices { get; private set; } = [];

    /// <summary>The portal's deployments the filter selects.</summary>
    public IReadOnlyList<DeploymentSummary> Deployments { get; private set; } = [];

    public Uri? PrometheusUrl => _loader.PrometheusUrl;

    /// <summary>Trace colours: one per deployment across all charts.</summary>
    public TraceColors Colors { get; }

    public TimeSpan RefreshInterval => _options.RefreshInterval;

    /// <summary>Raised after every refresh (from a background thread).</summary>
    public event Action? Changed;

    public PanelFeed Panel(string id) => Panels.First(p => p.Id == id);

    /// <summary>Starts loading and, for a live range, refreshing; nothing once disposed (the page left before its first render finished).</summary>
    public void Start()
    {
        if (!_disposed)
        {
            _loop = RunAsync(_stop.Token);
        }
    }

    public void Pause()
    {
        _paused = true;
        Status = Status with { Paused = true, Live = false };
        Changed?.Invoke();
    }

    public void Resume()
    {
        _paused = false;
        Status = Status with { Paused = false, Live = Filter.IsLive };
        Changed?.Invoke();
        _resumed = RefreshAsync(_stop.Token);
    }

    /// <summary>One refresh: the whole range for panels not loaded yet, the new points for the others. Never throws but for cancellation.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _refreshing.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            await RefreshCoreAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogRefreshFailed(_logger, ex);
            var since = Status.Error?.Since ?? _time.GetUtcNow();
            Status = Status with { Error = new PrometheusErrorView(PrometheusUrl?.ToString() ?? "", "Error", ex.Message, since) };
            Changed?.Invoke();
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loop, _resumed);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _refreshing.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        await RefreshAsync(cancellationToken);
        if (!Filter.IsLive)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.RefreshInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (!_paused)
                {
                    await RefreshAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RefreshCoreAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var all = await _queries.ListAsync(cancellationToken);
        var scope = DashboardScope.Resolve(Filter, all);
        var (inScope, names) = (scope.InScope, scope.Names);
        Deployments = inScope;
        if (!_scopeResolved || !scope.SameNamesAs(_scopeNames))
        {
            _scopeResolved = true;
            _scopeNames = names;
            foreach (var panel in Panels)
            {
                panel.Loaded = null;
            }
        }

        if (names is { Count: 0 })
        {
            foreach (var panel in Panels)
            {
                panel.Notice = "No deployments match the filter.";
                panel.Footnotes = [];
            }

            Status = Status with { Error = null, LastSuccess = now, QueriesLastRefresh = 0 };
            Cards = FleetCards.Build(Filter, Gpus, inScope, _trends);
            Changed?.Invoke();
            return;
        }

        var work = RefreshPlanner.Plan(Panels, Filter, now);
        var full = DashboardWindow.For(Filter, now);
        var metricScope = new MetricScope(names, full.RateWindow, GatewayCrossCheck);
        var frame = await _loader.LoadAsync(work, metricScope, cancellationToken);
        Apply(frame, inScope, now);
    }

    private void Apply(DashboardFrame frame, IReadOnlyList<DeploymentSummary> inScope, DateTimeOffset now)
    {
        var down = frame.ConnectivityError;
        if (down is not null)
        {
            if (Status.Error is null)
            {
                LogPrometheusDown(_logger, PrometheusUrl?.ToString() ?? "(not configured)", down.Kind, down.Message);
            }

            Status = Status with
            {
                Error = new PrometheusErrorView(PrometheusUrl?.ToString() ?? "(not configured)", KindText(down.Kind), down.Message, Status.Error?.Since ?? now),
                QueriesLastRefresh = frame.Queries,
            };
        }
        else
        {
            if (Status.Error is not null)
            {
                LogPrometheusBack(_logger, PrometheusUrl?.ToString() ?? "");
            }

            Status = Status with { Error = null, LastSuccess = now, QueriesLastRefresh = frame.Queries };
        }

        Gpus = frame.Gpus ?? Gpus;
        _presence = frame.Presence ?? _presence;
        Colors.Use(inScope.Select(d => d.Name));
        foreach (var result in frame.Panels)
        {
            var feed = Panel(result.Panel.Id);
            if (result.Error is { } error)
            {
                feed.Stale = true;
                if (!error.IsConnectivity && error.Kind != PrometheusErrorKind.Unauthorized)
                {
                    feed.Notice = $"The query failed ({error.ErrorType ?? error.Kind.ToString()}): {error.Message}";
                }

                continue;
            }

            _updater.Apply(feed, result, inScope);
            _trends.Update(result, feed);
        }

        if (down is not null)
        {
            foreach (var panel in Panels)
            {
                panel.Stale = true;
            }
        }

        Notices = DashboardExplainer.Explain(Panels, inScope, _presence, _trends.ScrapeUp, Gpus, _catalog);
        Cards = FleetCards.Build(Filter, Gpus, inScope, _trends);
        Changed?.Invoke();
    }

    private static string KindText(PrometheusErrorKind kind) => kind switch
    {
        PrometheusErrorKind.NotConfigured => "not configured",
        PrometheusErrorKind.Unreachable => "unreachable",
        PrometheusErrorKind.Timeout => "not answering in time",
        PrometheusErrorKind.Unauthorized => "refusing the portal's credentials",
        _ => "failing",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard: Prometheus at {Url} is {Kind}: {Message}")]
    private static partial void LogPrometheusDown(ILogger logger, string url, PrometheusErrorKind kind, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard: Prometheus at {Url} answers again")]
    private static partial void LogPrometheusBack(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dashboard refresh failed")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
