using Hangfire;
using Portal.Application.Maintenance;
using Portal.Application.Reconcile;

namespace Portal.Jobs;

/// <summary>The recurring reconcile pass, as a Hangfire job.</summary>
public sealed class ReconcileJob(ReconcileRunner runner)
{
    public const string RecurringJobId = "reconcile";

    [AutomaticRetry(Attempts = 0)]
    public Task<ReconcileResult> RunAsync(CancellationToken cancellationToken) => runner.RunAsync(cancellationToken);
}

/// <summary>The daily pruning of the audit log, as a Hangfire job.</summary>
public sealed class PruneOperationsJob(OperationRetention retention)
{
    public const string RecurringJobId = "prune-operations";

    public Task<int> RunAsync(CancellationToken cancellationToken) => retention.PruneAsync(cancellationToken);
}
