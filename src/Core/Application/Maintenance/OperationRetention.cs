using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Application.Ports;

namespace Portal.Application.Maintenance;

/// <summary>Deletes finished operations older than the retention period, so the audit log stays bounded (a daily job).</summary>
public sealed partial class OperationRetention(
    IDeploymentStore store,
    TimeProvider time,
    IOptions<RetentionOptions> options,
    ILogger<OperationRetention> logger)
{
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.OperationDays);
        var deleted = await store.PruneOperationsAsync(cutoff, cancellationToken);
        LogPruned(deleted, options.Value.OperationDays);
        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} operations older than {Days} days")]
    private partial void LogPruned(int count, int days);
}
