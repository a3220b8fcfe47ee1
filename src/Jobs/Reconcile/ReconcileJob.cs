using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Deployments;
using Portal.Core.Engines;
using Portal.Jobs.Cluster;
using Portal.Jobs.Deployments;

namespace Portal.Jobs.Reconcile;

/// <summary>The outcome of one pass, for logs, tests and the benchmark.</summary>
public sealed record ReconcileResult(int Deployments, int Changed, int ListCalls, int Enqueued, TimeSpan Duration);

/// <summary>
/// Compares the database (what is wanted) with the cluster (what is): records the observed state
/// of every deployment, repairs or reports drift, and re-enqueues work that was lost. Runs as a
/// recurring Hangfire job, on demand, and when the cluster watch sees a change; passes never overlap.
/// </summary>
public sealed partial class ReconcileJob(
    IDbContextFactory<PortalDb> dbFactory,
    ClusterSnapshotReader reader,
    JobScheduler scheduler,
    JobStorage storage,
    DeploymentChanges changes,
    DeploymentMetrics metrics,
    ReconcileGate gate,
    IOptions<KubernetesOptions> kubernetes,
    IOptions<ReconcileOptions> options,
    TimeProvider time,
    ILogger<ReconcileJob> logger)
{
    public const string RecurringJobId = "reconcile";
    public const string RequestedBy = "reconcile";

    /// <summary>After a job for a revision failed, reconcile waits this long before trying that revision again.</summary>
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromMinutes(2);

    /// <summary>
    /// One pass. Passes in this process queue behind each other; a pass another portal replica is
    /// running (shared job storage) makes this one skip, since that pass does the same work.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task<ReconcileResult> RunAsync(CancellationToken cancellationToken)
    {
        await gate.Passes.WaitAsync(cancellationToken);
        try
        {
            using var connection = storage.GetConnection();
            IDisposable acrossReplicas;
            try
            {
                acrossReplicas = connection.AcquireDistributedLock("portal:reconcile", TimeSpan.FromSeconds(5));
            }
            catch (Hangfire.Storage.DistributedLockTimeoutException)
            {
                LogSkipped();
                return new ReconcileResult(0, 0, 0, 0, TimeSpan.Zero);
            }

            using var held = acrossReplicas;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await PassAsync(cancellationToken);
                }
                catch (DbUpdateConcurrencyException) when (attempt < 3)
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
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var deployments = await db.Deployments.ToListAsync(cancellationToken);
        var openOperations = await db.Operations
            .Where(o => o.Outcome == OperationOutcome.Pending || o.Outcome == OperationOutcome.Running)
            .ToListAsync(cancellationToken);
        var inFlight = openOperations.GroupBy(o => o.DeploymentId).ToDictionary(g => g.Key, g => InFlightOf(g));
        var failedSince = time.GetUtcNow() - FailureBackoff;
        var recentFailures = (await db.Operations.AsNoTracking()
                .Where(o => o.Outcome == OperationOutcome.Failed)
                .Select(o => new { o.DeploymentId, o.Revision, o.Kind, o.FinishedAt })
                .ToListAsync(cancellationToken))
            .Where(o => o.FinishedAt > failedSince)
            .Select(o => (o.DeploymentId, o.Revision))
            .ToHashSet();
        var namespaces = kubernetes.Value.ManagedNamespaces.Union(deployments.Select(d => d.Namespace)).Distinct().ToList();

        var snapshot = await reader.ReadAsync(namespaces, cancellationToken);
        var changed = new List<Deployment>();
        var newOperations = new List<Operation>();
        var published = new List<(Deployment, int)>();
        var now = time.GetUtcNow();

        foreach (var deployment in deployments)
        {
            var objects = snapshot.For(deployment.Namespace, deployment.Name);
            var flight = inFlight.GetValueOrDefault(deployment.Id, InFlight.None);

            if (deployment.DesiredState == DesiredState.Deleted && objects.IsEmpty && !flight.Delete)
            {
                db.Deployments.Remove(deployment);
                changed.Add(deployment);
                continue;
            }

            var observation = ObservedStateEvaluator.Evaluate(deployment, objects, flight);
            var failedRecently = recentFailures.Contains((deployment.Id, deployment.Revision));
            if (failedRecently && !flight.Any && observation.State == ObservedState.Deploying)
            {
                // The job for this revision failed and says why in LastError; until the retry, that is the state.
                observation = observation with { State = ObservedState.Failed };
            }

            if (Apply(deployment, observation, now))
            {
                changed.Add(deployment);
            }

            if (!failedRecently && FollowUp(deployment, observation, flight, now) is { } follow)
            {
                newOperations.Add(follow);
            }

            published.Add((deployment, ObservedStateEvaluator.DesiredReplicas(deployment, objects)));
        }

        var recovered = RecoverLostJobs(openOperations, now);
        db.Operations.AddRange(newOperations);
        await db.SaveChangesAsync(cancellationToken);

        foreach (var operation in newOperations.Concat(recovered))
        {
            operation.JobId = scheduler.Enqueue(operation);
        }

        if (newOperations.Count + recovered.Count > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        foreach (var deployment in changed)
        {
            changes.Publish(deployment.Id, deployment.Name);
        }

        metrics.Publish(published);
        var result = new ReconcileResult(deployments.Count, changed.Count, snapshot.ListCalls, newOperations.Count + recovered.Count, time.GetElapsedTime(started));
        LogPass(result.Deployments, result.Changed, result.ListCalls, result.Enqueued, result.Duration.TotalMilliseconds);
        return result;
    }

    /// <summary>Copies the observation onto the row; true when something a user sees changed.</summary>
    private static bool Apply(Deployment d, Observation o, DateTimeOffset now)
    {
        var drift = d.Spec.DriftPolicy == DriftPolicy.Report ? o.Drift : null;
        var changed = d.ObservedState != o.State || d.ReadyReplicas != o.ReadyReplicas || d.Restarts != o.Restarts
            || d.LastEvent != o.LastEvent || d.Drift != drift;
        d.ObservedState = o.State;
        d.ReadyReplicas = o.ReadyReplicas;
        d.Restarts = o.Restarts;
        d.LastEvent = o.LastEvent;
        d.Drift = drift;
        d.ObservedAt = now;
        if (changed)
        {
            d.UpdatedAt = now;
        }

        return changed;
    }

    /// <summary>The work reconcile starts on its own: repair drift, apply a revision no job applied, pull a model.</summary>
    private Operation? FollowUp(Deployment d, Observation o, InFlight flight, DateTimeOffset now)
    {
        if (flight.Any || d.DesiredState == DesiredState.Deleted)
        {
            return null;
        }

        if (d.AppliedRevision < d.Revision)
        {
            return NewOperation(d, OperationKind.Deploy, now, $"revision {d.Revision} was not applied (its job was lost); applying it");
        }

        if (o.Drift is { } drift && d.Spec.DriftPolicy == DriftPolicy.Reapply)
        {
            return NewOperation(d, OperationKind.Reconcile, now, $"drift: {drift}; applying the spec again");
        }

        var profile = EngineProfiles.Get(d.Framework);
        if (profile.PullsModelAfterStart && d.DesiredState == DesiredState.Running && o.ReadyReplicas > 0
            && (d.PulledModel != d.Model || d.PulledReplicas < o.ReadyReplicas))
        {
            return NewOperation(d, OperationKind.PullModel, now, $"pulling {d.Model} on {o.ReadyReplicas} ready pod(s)");
        }

        return null;
    }

    private static Operation NewOperation(Deployment d, OperationKind kind, DateTimeOffset now, string reason) => new()
    {
        DeploymentId = d.Id,
        DeploymentName = d.Name,
        Kind = kind,
        Revision = d.Revision,
        RequestedBy = RequestedBy,
        RequestedAt = now,
        Reason = reason,
    };

    /// <summary>Open operations whose Hangfire job no longer exists (in-memory storage after a restart) are enqueued again.</summary>
    private List<Operation> RecoverLostJobs(IEnumerable<Operation> open, DateTimeOffset now)
    {
        var lost = new List<Operation>();
        using var connection = storage.GetConnection();
        foreach (var operation in open.Where(o => now - o.RequestedAt > options.Value.LostJobGrace))
        {
            if (JobIsAlive(connection, operation.JobId))
            {
                continue;
            }

            operation.Outcome = OperationOutcome.Pending;
            operation.Reason = string.Join("; ", new[] { operation.Reason, $"re-enqueued by reconcile: job {operation.JobId ?? "(none)"} was lost" }.OfType<string>());
            lost.Add(operation);
            LogRecovered(operation.Kind, operation.DeploymentName, operation.JobId);
        }

        return lost;
    }

    private static bool JobIsAlive(Hangfire.Storage.IStorageConnection connection, string? jobId)
    {
        if (jobId is null)
        {
            return false;
        }

        try
        {
            var data = connection.GetJobData(jobId);
            return data is not null && data.State != DeletedState.StateName && data.State != FailedState.StateName;
        }
        catch (Exception)
        {
            return false; // an id from another storage (or another process's in-memory storage)
        }
    }

    private static InFlight InFlightOf(IEnumerable<Operation> operations)
    {
        var kinds = operations.Select(o => o.Kind).ToHashSet();
        return new InFlight(
            Deploy: kinds.Overlaps([OperationKind.Deploy, OperationKind.Start, OperationKind.Stop, OperationKind.Reconcile]),
            Scale: kinds.Contains(OperationKind.Scale),
            Delete: kinds.Contains(OperationKind.Delete),
            Pull: kinds.Contains(OperationKind.PullModel));
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
