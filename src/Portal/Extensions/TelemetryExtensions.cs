using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Portal.Application.Reconcile;
using Portal.Gateway;
using Portal.Infrastructure.Prometheus;

namespace Portal.Extensions;

/// <summary>
/// One metrics stack: every instrument is a <see cref="System.Diagnostics.Metrics"/> instrument made through the
/// host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>, exported on <c>/metrics</c> by OpenTelemetry's
/// Prometheus exporter. Tests read the same instruments from their own host with a MetricCollector.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>The portal's own meters; only this host's instances are exported (several hosts may share a test process).</summary>
    public static IReadOnlyList<string> PortalMeters { get; } =
        [GatewayMetrics.MeterName, DeploymentMetrics.MeterName, PrometheusQueryMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

    public static IServiceCollection AddPortalTelemetry(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter(prometheus =>
        {
            prometheus.ScrapeResponseCacheDurationMilliseconds = 0; // a scrape right after a change sees it
            prometheus.ScopeInfoEnabled = false; // series keep the labels the dashboard and the rules match on
            prometheus.TargetInfoEnabled = false;
        }));
        services.AddMetrics(builder =>
        {
            foreach (var meter in PortalMeters)
            {
                builder.EnableMetrics(meter, instrumentName: null, listenerName: OpenTelemetryListener, MeterScope.Local);
            }

            // The runtime's own meter (GC, CPU time, memory) is one per process.
            builder.EnableMetrics("System.Runtime", instrumentName: null, listenerName: OpenTelemetryListener, MeterScope.Global);
        });
        return services;
    }

    /// <summary>The name OpenTelemetry's metrics listener registers under.</summary>
    private const string OpenTelemetryListener = "OpenTelemetry";
}
