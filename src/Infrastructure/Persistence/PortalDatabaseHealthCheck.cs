using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Portal.Infrastructure.Persistence;

/// <summary>The readiness check of the portal database: one query; when it fails, where the database is and what to fix.</summary>
public sealed class PortalDatabaseHealthCheck(IDbContextFactory<PortalDb> dbFactory, IOptions<DatabaseOptions> options) : IHealthCheck
{
    private static readonly TimeSpan WaitAtMost = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(WaitAtMost);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(timeout.Token);
            await db.Database.ExecuteSqlRawAsync("SELECT 1", timeout.Token);
            return HealthCheckResult.Healthy(options.Value.Describe());
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{options.Value.Describe()} did not answer within {WaitAtMost.TotalSeconds:0} s. Check {DatabaseOptions.ConnectionStringKey}.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy(PortalDatabaseException.From(options.Value, e).Message);
        }
    }
}
