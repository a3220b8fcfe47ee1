using Microsoft.Extensions.Options;
using Portal.Application.Monitoring;
using Portal.Application.Ports;
using Portal.Domain.Monitoring;

namespace Portal.Services.Dashboard;

/// <summary>
/// Runs a refresh's queries: one range query per panel over that panel's window, plus two instant queries (every
/// GPU now, and which metrics each deployment exports). The count does not depend on the number of deployments.
/// </summary>
public sealed class DashboardLoader(IPrometheus prometheus, MetricCatalog catalog, IOptions<DashboardOptions> options)
{
    /// <summary>Queries per refresh when every panel has a new point: one per panel and two instant queries.</summary>
    public static int QueriesPerRefresh(int panels) => panels + 2;

    public Uri? PrometheusUrl => prometheus.Url;

    public async Task<DashboardFrame> LoadAsync(
        IReadOnlyList<(PanelDefinition Panel, DashboardWindow Window)> panels,
        MetricScope scope,
        CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(options.Value.MaxConcurrentQueries);
        async Task<T> Limited<T>(Func<Task<T>> query)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                return await query();
            }
            finally
            {
                gate.Release();
            }
        }

        var rangeTasks = panels.Select(p => Limited(async () =>
        {
            var panelScope = new MetricScope(scope.Deployments, p.Window.RateWindow, scope.GatewayCrossCheck);
            var result = await prometheus.QueryRangeAsync(p.Panel.Query(catalog, panelScope), p.Window.Start, p.Window.End, p.Window.Step, cancellationToken);
            return result.IsSuccess
                ? new PanelResult(p.Panel, p.Window, ToTraces(p.Panel, p.Window, result.Value), null)
                : new PanelResult(p.Panel, p.Window, [], result.Error);
        })).ToList();
        var gpuTask = Limited(() => prometheus.QueryAsync(catalog.GpuSnapshotQuery(scope), cancellationToken: cancellationToken));
        var presenceTask = Limited(() => prometheus.QueryAsync(catalog.PresenceQuery(scope), cancellationToken: cancellationToken));

        var results = await Task.WhenAll(rangeTasks);
        var gpus = await gpuTask;
        var presence = await presenceTask;

        var errors = results.Select(r => r.Error).OfType<PrometheusError>().ToList();
        if (!gpus.IsSuccess)
        {
            errors.Add(gpus.Error);
        }

        if (!presence.IsSuccess)
        {
            errors.Add(presence.Error);
        }

        return new DashboardFrame(
            results,
            gpus.IsSuccess ? ToGpuRows(gpus.Value) : null,
            presence.IsSuccess ? ToPresence(presence.Value) : null,
            errors,
            results.Length + 2);
    }

    /// <summary>Puts each series on the window's grid and merges series that are one trace (a GPU whose holder changed).</summary>
    public static IReadOnlyList<TraceSeries> ToTraces(PanelDefinition panel, DashboardWindow window, IReadOnlyList<RangeSeries> series)
    {
        var traces = new Dictionary<string, TraceSeries>(StringComparer.Ordinal);
        var order = new List<string>();
        var points = window.Points;
        foreach (var s in series)
        {
            if (panel.Trace(s.Labels) is not { } id)
            {
                continue;
            }

            if (!traces.TryGetValue(id.Key, out var trace))
            {
                trace = new TraceSeries(id, new double?[points], panel.IsGpu ? new bool[points] : null);
                traces[id.Key] = trace;
                order.Add(id.Key);
            }

            var held = s.Labels.Has("pod");
            foreach (var point in s.Points)
            {
                var index = (int)((point.UnixMilliseconds - window.StartMs) / window.StepMs);
                if (index < 0 || index >= points || (point.UnixMilliseconds - window.StartMs) % window.StepMs != 0)
                {
                    continue;
                }

                if (double.IsFinite(point.Value))
                {
                    trace.Values[index] = point.Value * panel.Scale;
                }

                if (trace.Held is { } h)
                {
                    h[index] |= held;
                }
            }
        }

        return order.Select(k => traces[k]).ToList();
    }

    private static List<GpuRow> ToGpuRows(IReadOnlyList<InstantSample> samples) => samples
        .GroupBy(s => (Host: s.Labels.Has("Hostname") ? s.Labels["Hostname"] : s.Labels["hostname"], Gpu: s.Labels["gpu"]))
        .Select(g =>
        {
            double? Value(string name) => g.FirstOrDefault(s => s.Labels["__name__"] == name)?.Value;
            var held = g.FirstOrDefault(s => s.Labels.Has("pod"));
            return new GpuRow(g.Key.Host, g.Key.Gpu, g.First().Labels["modelName"], held?.Labels["pod"], held?.Labels["namespace"],
                Value(MetricCatalog.GpuUtil), Value(MetricCatalog.GpuMemoryUsedMiB), Value(MetricCatalog.GpuMemoryFreeMiB),
                Value(MetricCatalog.GpuPowerWatts), Value(MetricCatalog.GpuTemperatureCelsius));
        })
        .OrderBy(r => r.Host, StringComparer.Ordinal)
        .ThenBy(r => int.TryParse(r.Gpu, out var n) ? n : int.MaxValue)
        .ToList();

    private static MetricPresence ToPresence(IReadOnlyList<InstantSample> samples) => new(samples
        .GroupBy(s => s.Labels["deployment"])
        .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, double>)g.ToDictionary(s => s.Labels["__name__"], s => s.Value, StringComparer.Ordinal)));
}
