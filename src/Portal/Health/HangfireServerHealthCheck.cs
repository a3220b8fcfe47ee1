using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Portal.Health;

/// <summary>Healthy when a Hangfire server has sent a heartbeat recently: jobs will run.</summary>
public sealed class HangfireServerHealthCheck(JobStorage storage, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan MaxHeartbeatAge = TimeSpan.FromMinutes(1);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var servers = storage.GetMonitoringApi().Servers();
        var now = time.GetUtcNow().UtcDateTime;
        var alive = servers.Count(s => s.Heartbeat is { } beat && now - beat < MaxHeartbeatAge);
        var data = new Dictionary<string, object> { ["servers"] = alive, ["storage"] = storage.GetType().Name };
        return Task.FromResult(alive > 0
            ? HealthCheckResult.Healthy($"{alive} Hangfire server(s) running", data)
            : HealthCheckResult.Unhealthy("No Hangfire server has sent a heartbeat in the last minute", data: data));
    }
}
