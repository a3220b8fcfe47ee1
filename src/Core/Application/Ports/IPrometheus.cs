using Portal.Application.Monitoring;

namespace Portal.Application.Ports;

/// <summary>The Prometheus the dashboard reads: its HTTP query API with typed results and errors (never an exception for a bad query or an outage).</summary>
public interface IPrometheus
{
    /// <summary>The configured Prometheus URL, or null when none is set.</summary>
    Uri? Url { get; }

    /// <summary>Evaluates <paramref name="promql"/> at one instant (now when <paramref name="at"/> is null).</summary>
    Task<PrometheusResult<IReadOnlyList<InstantSample>>> QueryAsync(string promql, DateTimeOffset? at = null, CancellationToken cancellationToken = default);

    /// <summary>Evaluates <paramref name="promql"/> at <paramref name="start"/>, start + step, … up to <paramref name="end"/>.</summary>
    Task<PrometheusResult<IReadOnlyList<RangeSeries>>> QueryRangeAsync(
        string promql, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken = default);

    /// <summary>The active scrape targets with their health and last error.</summary>
    Task<PrometheusResult<IReadOnlyList<ScrapeTarget>>> TargetsAsync(CancellationToken cancellationToken = default);

    /// <summary>True when Prometheus answers <c>/-/ready</c> with 200, false while it starts up.</summary>
    Task<PrometheusResult<bool>> ReadyAsync(CancellationToken cancellationToken = default);
}
