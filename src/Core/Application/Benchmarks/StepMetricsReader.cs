using System.Globalization;
using Portal.Application.Ports;
using Portal.Domain.Benchmarks;
using Portal.Domain.Engines;
using Portal.Domain.Monitoring;

namespace Portal.Application.Benchmarks;

/// <summary>The engine's side of a step, from Prometheus over the step's window.</summary>
public sealed record StepEngineFigures(double? GpuUtilization, double? KvCacheUsage, double? QueueDepth, string? Note);

/// <summary>
/// Reads what Prometheus saw during a step: mean GPU utilisation of the deployment's GPUs (dcgm-exporter, pods
/// <c>&lt;deployment&gt;-N</c>), the highest KV-cache fill and the highest queue (summed over pods) of the engine — each
/// evaluated at the step's end over a range as long as the step. A figure Prometheus does not have stays empty, and the
/// note says why.
/// </summary>
public sealed class StepMetricsReader(IPrometheus prometheus)
{
    public async Task<StepEngineFigures> ReadAsync(BenchmarkRun run, BenchmarkStep step, CancellationToken cancellationToken)
    {
        if (prometheus.Url is null)
        {
            return new StepEngineFigures(null, null, null, "Prometheus is not configured (Prometheus:Url), so GPU, KV-cache and queue figures are not recorded.");
        }

        var window = PromQl.Duration(TimeSpan.FromSeconds(Math.Ceiling(step.DurationSeconds) + 1));
        var scope = new MetricScope([run.DeploymentName]);
        var selector = $"deployment={PromQl.Quote(run.DeploymentName)}";
        var notes = new List<string>();
        var gpu = await ScalarAsync($"avg(avg_over_time({MetricCatalog.GpuUtil}{{{scope.PodMatcher}}}[{window}]))", step, "GPU utilisation", notes, cancellationToken);

        double? kv = null, queue = null;
        if (EngineProfiles.TryGet(run.Framework, out var profile) && profile.ExposesMetrics)
        {
            var names = profile.Metrics;
            if (names.KvCacheUsage is { } kvName)
            {
                var name = names.NameFor(kvName, run.ImageTag);
                kv = await ScalarAsync($"max(max_over_time({name}{{{selector}}}[{window}]))", step, "KV-cache use", notes, cancellationToken);
            }

            if (names.RequestsWaiting is { } waiting)
            {
                queue = await ScalarAsync($"max_over_time(sum({waiting}{{{selector}}})[{window}:1s])", step, "queue depth", notes, cancellationToken);
            }
        }
        else
        {
            notes.Add($"{profile?.DisplayName ?? run.Framework} exports no Prometheus metrics of its own: KV-cache use and queue depth are unknown.");
        }

        return new StepEngineFigures(gpu, kv, queue, notes.Count == 0 ? null : string.Join(" ", notes));
    }

    private async Task<double?> ScalarAsync(string query, BenchmarkStep step, string what, List<string> notes, CancellationToken ct)
    {
        var result = await prometheus.QueryAsync(query, step.FinishedAt, ct);
        if (!result.IsSuccess)
        {
            notes.Add($"{what}: Prometheus answered {result.Error.Message}.");
            return null;
        }

        var value = result.Value.Select(s => s.Value).Where(v => !double.IsNaN(v) && !double.IsInfinity(v)).Cast<double?>().FirstOrDefault();
        if (value is null)
        {
            notes.Add($"{what}: no sample in the step's window ({step.DurationSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s).");
        }

        return value;
    }
}
