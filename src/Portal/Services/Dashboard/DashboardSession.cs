using System.Globalization;
using Microsoft.Extensions.Options;
using Portal.Application.Deployments;
using Portal.Application.Monitoring;
using Portal.Application.Ports;
using Portal.Application.Security;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Persistence;

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
    private readonly Dictionary<string, HeatmapBuffer> _heatmaps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _scrapeUp = new(StringComparer.Ordinal);
    private readonly TrendBuffer _gpusInUse = new();
    private readonly TrendBuffer _gpuUtilization = new();
    private readonly TrendBuffer _ready = new();
    private readonly TrendBuffer _requests = new();
    private readonly TrendBuffer _errors = new();
    private readonly TrendBuffer _ttft = new();
    private string _worstTtft = "";
    private IReadOnlyCollection<string>? _scopeNames;
    private bool _scopeResolved;
    private MetricPresence _presence = MetricPresence.Empty;
    private Task _loop = Task.CompletedTask;
    private Task _resumed = Task.CompletedTask;
    private bool _paused;

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

    /// <summary>Starts loading and, for a live range, refreshing.</summary>
    public void Start() => _loop = RunAsync(_stop.Token);

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
        var (inScope, names) = Resolve(all);
        Deployments = inScope;
        if (!_scopeResolved || !SameNames(names, _scopeNames))
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
            Cards = BuildCards(inScope);
            Changed?.Invoke();
            return;
        }

        var full = DashboardWindow.For(Filter, now);
        var work = new List<(PanelDefinition, DashboardWindow)>();
        foreach (var panel in Panels)
        {
            if (panel.Loaded is not { } loaded)
            {
                work.Add((panel.Definition, full));
            }
            else if (Filter.IsLive && full.After(loaded.End, now) is { } next)
            {
                if (next.Start != loaded.End + full.Step)
                {
                    panel.Loaded = null; // away longer than the range: draw it afresh
                    work.Add((panel.Definition, full));
                }
                else
                {
                    work.Add((panel.Definition, next));
                }
            }
        }

        var scope = new MetricScope(names, full.RateWindow, GatewayCrossCheck);
        var frame = await _loader.LoadAsync(work, scope, cancellationToken);
        Apply(frame, full, inScope, now);
    }

    private void Apply(DashboardFrame frame, DashboardWindow full, IReadOnlyList<DeploymentSummary> inScope, DateTimeOffset now)
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

            feed.Stale = false;
            if (feed.Loaded is null)
            {
                Reset(feed, result, inScope);
            }
            else
            {
                Extend(feed, result, inScope);
            }

            if (feed.Loaded is not null || feed.Kind == feed.Definition.Kind || feed.Definition.Id != DashboardPanels.GpuUtilization)
            {
                feed.Loaded ??= result.Window;
                feed.Loaded = feed.Loaded.Value with { End = result.Window.End };
            }

            UpdateTrends(result, feed);
        }

        if (down is not null)
        {
            foreach (var panel in Panels)
            {
                panel.Stale = true;
            }
        }

        Explain(inScope);
        Cards = BuildCards(inScope);
        Changed?.Invoke();
    }

    private void Reset(PanelFeed feed, PanelResult result, IReadOnlyList<DeploymentSummary> inScope)
    {
        var times = result.Window.Times();
        feed.Kind = feed.Definition.Id == DashboardPanels.GpuUtilization && result.Traces.Count > DashboardPanels.HeatmapAboveGpus
            ? PanelKind.Heatmap
            : feed.Definition.Kind;
        feed.Reset(result.Traces);
        if (feed.Kind == PanelKind.Heatmap)
        {
            var buffer = new HeatmapBuffer(result.Window.Points);
            _heatmaps[feed.Id] = buffer;
            buffer.Append(times, HeatmapRows(feed, result));
            PublishHeatmap(feed, buffer, inScope);
        }
        else
        {
            feed.Publish(new LinesReset(feed.Kind, times, result.Traces, result.Window.Points));
        }
    }

    private void Extend(PanelFeed feed, PanelResult result, IReadOnlyList<DeploymentSummary> inScope)
    {
        var times = result.Window.Times();
        var maxPoints = feed.Loaded!.Value.Points;
        if (feed.Kind == PanelKind.Heatmap)
        {
            var buffer = _heatmaps[feed.Id];
            foreach (var trace in result.Traces)
            {
                feed.Note(trace);
            }

            buffer.Append(times, HeatmapRows(feed, result));
            PublishHeatmap(feed, buffer, inScope);
            return;
        }

        var byKey = result.Traces.ToDictionary(t => t.Id.Key, StringComparer.Ordinal);
        var existing = feed.Traces.Select(id => byKey.TryGetValue(id.Key, out var t) ? t.Values : new double?[times.Length]).ToList();
        foreach (var id in feed.Traces)
        {
            if (byKey.TryGetValue(id.Key, out var t))
            {
                feed.Note(t);
            }
        }

        var known = feed.Traces.Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var added = result.Traces.Where(t => !known.Contains(t.Id.Key)).ToList();
        if (feed.Definition.Id == DashboardPanels.GpuUtilization && feed.Traces.Count + added.Count > DashboardPanels.HeatmapAboveGpus)
        {
            feed.Loaded = null; // too many GPUs for lines now: the next refresh draws the heatmap
            return;
        }

        foreach (var trace in added)
        {
            feed.Add(trace);
        }

        feed.Publish(new LinesExtend(times, existing, added, maxPoints));
    }

    private IEnumerable<(string Key, string Label, double?[] Values)> HeatmapRows(PanelFeed feed, PanelResult result)
    {
        if (feed.Id != DashboardPanels.Health)
        {
            return result.Traces.Select(t => (t.Id.Key, t.Id.Name, t.Values));
        }

        // Per deployment: 1 ready, 0.5 ready but its pods' metrics not scraped, 0 not ready, gap when unknown.
        return result.Traces
            .GroupBy(t => t.Id.Deployment ?? "")
            .Select(g =>
            {
                var ready = g.FirstOrDefault(t => t.Id.Variant == "ready")?.Values;
                var scrape = g.FirstOrDefault(t => t.Id.Variant == "scrape")?.Values;
                var values = new double?[result.Window.Points];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = ready?[i] is not { } r ? null : r < 1 ? 0 : scrape?[i] is { } s && s < 1 ? 0.5 : 1;
                }

                return (g.Key, g.Key, values);
            });
    }

    private void PublishHeatmap(PanelFeed feed, HeatmapBuffer buffer, IReadOnlyList<DeploymentSummary> inScope)
    {
        if (feed.Id == DashboardPanels.Health)
        {
            foreach (var deployment in inScope)
            {
                buffer.EnsureRow(deployment.Name, deployment.Name);
            }

            // Rows top to bottom in name order (Plotly draws the first row at the bottom).
            feed.Publish(buffer.Snapshot(Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a)), HeatmapScale.Health));
        }
        else
        {
            feed.Publish(buffer.Snapshot(Comparer<string>.Create(CompareGpuKeys), HeatmapScale.Percent));
        }
    }

    /// <summary>GPU keys are "host/index": hosts in order, then GPU numbers numerically, last GPU at the bottom.</summary>
    private static int CompareGpuKeys(string a, string b)
    {
        static (string Host, int Gpu) Split(string key)
        {
            var slash = key.LastIndexOf('/');
            return (key[..Math.Max(0, slash)], int.TryParse(key[(slash + 1)..], out var n) ? n : 0);
        }

        var (ha, ga) = Split(a);
        var (hb, gb) = Split(b);
        var byHost = string.CompareOrdinal(hb, ha);
        return byHost != 0 ? byHost : gb.CompareTo(ga);
    }

    private void UpdateTrends(PanelResult result, PanelFeed feed)
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

    private void Explain(IReadOnlyList<DeploymentSummary> inScope)
    {
        foreach (var panel in Panels)
        {
            if (panel.Notice?.StartsWith("The query failed", StringComparison.Ordinal) == true && panel.Stale)
            {
                continue;
            }

            var missing = inScope
                .Where(d => !panel.DeploymentsWithData.Contains(d.Name))
                .Select(d => (d.Name, Why: MissingDataExplainer.WhyNoData(panel.Definition, d, _presence, _scrapeUp, _catalog)))
                .Where(m => m.Why is not null)
                .ToList();
            var empty = !panel.HasData;
            panel.Notice = empty
                ? MissingDataExplainer.WhyEmpty(panel.Definition, inScope.Count > 0, _presence, Gpus) ?? (missing.Count > 0 ? "No data yet." : "No data in this time range.")
                : null;
            // GPU traces are per GPU, not per deployment; GPU panels without data say it once in the notice.
            panel.Footnotes = panel.Id == DashboardPanels.GpuUtilization || (panel.Definition.IsGpu && empty)
                ? []
                : missing.Select(m => $"{m.Name}: {m.Why}").ToList();
        }

        var viaGateway = inScope
            .Where(d => EngineProfiles.TryGet(d.Framework, out var p) && !p.ExposesMetrics)
            .Where(d => !_presence.Counted(d.Name, _catalog.SourceFor(MetricId.RequestRate, d.Framework).PresenceName))
            .GroupBy(d => d.Framework)
            .Select(g =>
            {
                var profile = EngineProfiles.Get(g.Key);
                var names = string.Join(", ", g.Select(d => d.Name));
                return $"{profile.DisplayName} has no metrics of its own: latency, token and request figures for {names} come from the portal gateway, " +
                       "which has not served it yet. Send it a request through /v1 or the playground and they appear here.";
            })
            .ToList();
        Notices = viaGateway;
    }

    private List<StatCardModel> BuildCards(IReadOnlyList<DeploymentSummary> inScope)
    {
        var cards = new List<StatCardModel>();
        var gpus = Gpus ?? [];
        var held = gpus.Count(g => g.Pod is not null);
        var usedGiB = gpus.Sum(g => g.UsedMiB ?? 0) / 1024;
        var totalGiB = gpus.Sum(g => g.TotalMiB ?? 0) / 1024;
        cards.Add(new StatCardModel("gpus", "GPUs in use",
            Gpus is null ? "–" : Filter.FiltersDeployments ? Count(held) : $"{held} / {gpus.Count}",
            Gpus is null ? "no GPU data yet" : $"memory {usedGiB:0} of {totalGiB:0} GiB",
            _gpusInUse.Values()));

        var utilisation = gpus.Select(g => g.UtilizationPercent).OfType<double>().ToList();
        cards.Add(new StatCardModel("gpu-utilization", "GPU utilisation",
            utilisation.Count == 0 ? "–" : $"{utilisation.Average():0} %",
            utilisation.Count == 0 ? "no GPU data yet" : $"mean of {utilisation.Count} GPU{(utilisation.Count == 1 ? "" : "s")}, max {utilisation.Max():0} %",
            _gpuUtilization.Values(),
            utilisation.Count > 0 && utilisation.Average() > 90 ? StatTone.Warning : StatTone.Normal));

        var ready = inScope.Count(d => d.State == ObservedState.Ready);
        var notReady = inScope.Where(d => d.State != ObservedState.Ready).Take(2).Select(d => $"{d.Name} {d.State.ToString().ToLowerInvariant()}").ToList();
        cards.Add(new StatCardModel("ready", "Deployments ready",
            $"{ready} / {inScope.Count}",
            inScope.Count == 0 ? "no deployments" : notReady.Count == 0 ? "all ready" : string.Join(", ", notReady),
            _ready.Values(),
            inScope.Count > 0 && ready < inScope.Count ? StatTone.Warning : ready > 0 ? StatTone.Good : StatTone.Normal));

        var requests = Last(_requests);
        var errors = Last(_errors);
        cards.Add(new StatCardModel("requests", "Requests per second",
            requests is null ? "–" : Number(requests.Value),
            errors is null ? "5xx: no gateway data" : $"5xx {Number(errors.Value)} /s at the gateway",
            _requests.Values(),
            errors > 0 ? StatTone.Bad : StatTone.Normal));

        var ttft = Last(_ttft);
        cards.Add(new StatCardModel("ttft", "TTFT p95",
            ttft is null ? "–" : Seconds(ttft.Value),
            ttft is null ? "no requests in range" : $"worst deployment: {_worstTtft}",
            _ttft.Values()));
        return cards;
    }

    private (IReadOnlyList<DeploymentSummary> InScope, IReadOnlyCollection<string>? Names) Resolve(IReadOnlyList<DeploymentSummary> all)
    {
        var inScope = all
            .Where(d => Filter.Namespace is null || d.Namespace == Filter.Namespace)
            .Where(d => Filter.Framework is null || d.Framework == Filter.Framework)
            .Where(d => Filter.Deployment is null || d.Name == Filter.Deployment)
            .ToList();
        if (!Filter.FiltersDeployments)
        {
            return (inScope, null);
        }

        // A named deployment keeps its history even after it was deleted.
        IReadOnlyCollection<string> names = Filter.Deployment is { } one && inScope.Count == 0 && Filter.Namespace is null && Filter.Framework is null
            ? [one]
            : inScope.Select(d => d.Name).ToList();
        return (inScope, names);
    }

    private static bool SameNames(IReadOnlyCollection<string>? a, IReadOnlyCollection<string>? b) =>
        a is null ? b is null : b is not null && a.ToHashSet(StringComparer.Ordinal).SetEquals(b);

    private static double? Last(TrendBuffer line) => line.Values().Reverse().Where(v => !double.IsNaN(v)).Cast<double?>().FirstOrDefault();

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    public static string Number(double value) => value switch
    {
        < 10 => value.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("#,0", CultureInfo.InvariantCulture),
    };

    public static string Seconds(double seconds) => seconds < 1
        ? (seconds * 1000).ToString("0", CultureInfo.InvariantCulture) + " ms"
        : seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

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
