using System.Diagnostics.Metrics;

namespace Portal.Infrastructure.Prometheus;

/// <summary>
/// Counts the portal's calls to Prometheus (meter <c>Portal.Prometheus</c>, counter
/// <c>portal.prometheus.requests</c> tagged by endpoint and outcome), so the dashboard's cost is visible
/// on the portal's own /metrics and measurable in benchmarks.
/// </summary>
public sealed class PrometheusQueryMetrics
{
    public const string MeterName = "Portal.Prometheus";
    public const string RequestsCounter = "portal.prometheus.requests";

    private readonly Counter<long> _requests;

    public PrometheusQueryMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>(RequestsCounter, unit: "{request}", description: "Requests the portal sent to Prometheus.");
    }

    public void Count(string endpoint, bool success) =>
        _requests.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("outcome", success ? "ok" : "error"));
}
