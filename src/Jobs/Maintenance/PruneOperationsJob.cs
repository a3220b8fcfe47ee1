using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Deployments;

namespace Portal.Jobs.Maintenance;

/// <summary>Recurring: deletes finished operations older than the retention period, so the audit log stays bounded.</summary>
public sealed partial class PruneOperationsJob(
    IDbContextFactory<PortalDb> dbFactory,
    TimeProvider time,
    IOptions<RetentionOptions> options,
    ILogger<PruneOperationsJob> logger)
{
    public const string RecurringJobId = "prune-operations";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.OperationDays);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var deleted = await db.Operations
            .Where(o => o.RequestedAt < cutoff
                && o.Outcome != OperationOutcome.Pending
                && o.Outcome != OperationOutcome.Running)
            .ExecuteDeleteAsync(cancellationToken);
        LogPruned(deleted, options.Value.OperationDays);
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} operations older than {Days} days")]
    private partial void LogPruned(int count, int days);
}
