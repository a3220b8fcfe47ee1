using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Application.Deployments;
using Portal.Application.Ports;
using Portal.Domain.Deployments;

namespace Portal.Application.Reconcile;

/// <summary>The outcome of one pass, for logs, tests and the benchmark.</summary>
public sealed record ReconcileResult(int Deployments, int Changed, int ListCalls, int Enqueued, TimeSpan Duration);

/// <summary>
/// Runs reconcile passes: reads the database (what is wanted) and the cluster (what is), lets the
/// <see cref="ReconcilePlanner"/> decide, stores the observations, enqueues the work it started and tells open
/// pages. Runs as a recurring job, on demand, and when the cluster watch sees a change; passes never overlap.
/// </summary>
public sealed partial class ReconcileRunner(
    IReconcileStore store,
    IClusterSnapshotReader reader,
    IJobQueue jobs,
    IWorkLocks locks,
    DeploymentChanges changes,
    DeploymentMetrics metrics,
    ReconcileGate gate,
    IOptions<NamespaceOptions> namespaces,
    IOptions<ReconcileOptions> options,
    TimeProvider time,
    ILogger<ReconcileRunner> logger)
{
    /// <summary>
    /// One pass. Passes in this process queue behind each other; a pass another portal replica is running
    /// (shared job storage) makes this one skip, since that pass does the same work.
    /// </summary>
    public async Task<ReconcileResult> RunAsync(CancellationToken cancellationToken)
    {
        await gate.Passes.WaitAsync(cancellationToken);
        try
        {
            using var acrossReplicas = locks.TryAcquireReconcile();
            if (acrossReplicas is null)
            {
                LogSkipped();
                return new ReconcileResult(0, 0, 0, 0, TimeSpan.Zero);
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await PassAsync(cancellationToken);
                }
                catch (ConcurrentChangeException) when (attempt < 3)
                {
                    // A user changed a deployment during the pass: read everything again.
                }
            }
        }
        finally
        {
            gate.Passes.Release();
        }
    }

    private async Task<ReconcileResult> PassAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        await using var session = await store.OpenAsync(time.GetUtcNow() - RetryBackoff.Window, cancellationToken);
        var rows = session.Rows;
        var watched = namespaces.Value.Managed.Union(rows.Deployments.Select(d => d.Namespace)).Distinct().ToList();
        var snapshot = await reader.ReadAsync(watched, cancellationToken);

        var now = time.GetUtcNow();
        var lost = ReconcilePlanner.LostJobCandidates(rows, now, options.Value.LostJobGrace)
            .Where(o => !jobs.IsAlive(o.JobId))
            .Select(o => o.Id)
            .ToHashSet();
        var plan = ReconcilePlanner.Plan(rows, snapshot, lost, now);
        await session.SaveAsync(plan, cancellationToken);

        var enqueued = plan.ToEnqueue.ToList();
        foreach (var operation in enqueued)
        {
            operation.JobId = jobs.Enqueue(operation);
        }

        foreach (var operation in plan.Recovered)
        {
            LogRecovered(operation.Kind, operation.DeploymentName, operation.JobId);
        }

        if (enqueued.Count > 0)
        {
            await session.SaveAsync(new ReconcilePlan(), cancellationToken);
        }

        foreach (var deployment in plan.Changed.Concat(plan.Removed))
        {
            changes.Publish(deployment.Id, deployment.Name);
        }

        metrics.Publish(plan.Published);
        var result = new ReconcileResult(rows.Deployments.Count, plan.Changed.Count + plan.Removed.Count, snapshot.ListCalls, enqueued.Count, time.GetElapsedTime(started));
        LogPass(result.Deployments, result.Changed, result.ListCalls, result.Enqueued, result.Duration.TotalMilliseconds);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reconciled {Deployments} deployments ({Changed} changed) with {ListCalls} list calls, enqueued {Enqueued}, in {Milliseconds} ms")]
    private partial void LogPass(int deployments, int changed, int listCalls, int enqueued, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipped a reconcile pass: another replica is running one")]
    private partial void LogSkipped();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-enqueued lost {Kind} of {Deployment} (job {JobId})")]
    private partial void LogRecovered(OperationKind kind, string deployment, string? jobId);
}

/// <summary>Serialises the reconcile passes of one portal host (a singleton, so hosts sharing a process do not block each other).</summary>
public sealed class ReconcileGate
{
    public SemaphoreSlim Passes { get; } = new(1, 1);
}
