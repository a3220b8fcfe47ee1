using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Application.Reconcile;

/// <summary>What a pass read from the database; <paramref name="Failures"/> are the failed jobs within <see cref="RetryBackoff.Window"/>.</summary>
public sealed record ReconcileRows(
    IReadOnlyList<Deployment> Deployments,
    IReadOnlyList<Operation> OpenOperations,
    IReadOnlyList<JobFailure> Failures);

/// <summary>What a pass decided: rows whose observation changed, rows to remove, work to start, work to start again.</summary>
public sealed class ReconcilePlan
{
    /// <summary>Rows whose user-visible observed fields changed (their pages refresh).</summary>
    public List<Deployment> Changed { get; } = [];

    /// <summary>Deleted deployments of which nothing is left on the cluster.</summary>
    public List<Deployment> Removed { get; } = [];

    /// <summary>Work reconcile starts on its own (drift, a revision no job applied, a model to pull), with the reason.</summary>
    public List<Operation> NewOperations { get; } = [];

    /// <summary>Open operations whose job is gone (in-memory job storage after a restart), to enqueue again.</summary>
    public List<Operation> Recovered { get; } = [];

    /// <summary>Every remaining deployment with the replicas it wants, for the portal's gauges.</summary>
    public List<(Deployment Deployment, int DesiredReplicas)> Published { get; } = [];

    public IEnumerable<Operation> ToEnqueue => NewOperations.Concat(Recovered);
}

/// <summary>
/// The decisions of a reconcile pass, as a pure function of the rows, the cluster snapshot and the time:
/// it copies each deployment's observation onto its row, and says which work to start or start again.
/// </summary>
public static class ReconcilePlanner
{
    public const string RequestedBy = "reconcile";

    /// <param name="lostJobs">Open operations whose job no longer exists (only those older than the grace period are asked about).</param>
    public static ReconcilePlan Plan(ReconcileRows rows, ClusterSnapshot snapshot, IReadOnlySet<long> lostJobs, DateTimeOffset now)
    {
        var plan = new ReconcilePlan();
        var inFlight = rows.OpenOperations.GroupBy(o => o.DeploymentId).ToDictionary(g => g.Key, g => InFlightOf(g));
        var failuresOf = rows.Failures.ToLookup(f => (f.DeploymentId, f.Revision));
        foreach (var deployment in rows.Deployments)
        {
            var objects = snapshot.For(deployment.Namespace, deployment.Name);
            var flight = inFlight.GetValueOrDefault(deployment.Id, InFlight.None);
            var failures = failuresOf[(deployment.Id, deployment.Revision)].OrderBy(f => f.FailedAt).ToList();
            var backingOff = RetryBackoff.RetryAt(failures) > now;

            if (deployment.DesiredState == DesiredState.Deleted && objects.IsEmpty && !flight.Delete)
            {
                plan.Removed.Add(deployment);
                continue;
            }

            var observation = ObservedStateEvaluator.Evaluate(deployment, objects, flight);
            if (backingOff && !flight.Any && observation.State == ObservedState.Deploying)
            {
                // The job for this revision failed and says why in LastError; until the retry, that is the state.
                observation = observation with { State = ObservedState.Failed };
            }

            if (Apply(deployment, observation, now))
            {
                plan.Changed.Add(deployment);
            }

            if (!backingOff && FollowUp(deployment, observation, flight, failures, now) is { } follow)
            {
                plan.NewOperations.Add(follow);
            }

            plan.Published.Add((deployment, ObservedStateEvaluator.DesiredReplicas(deployment, objects)));
        }

        foreach (var operation in rows.OpenOperations.Where(o => lostJobs.Contains(o.Id)))
        {
            operation.Outcome = OperationOutcome.Pending;
            operation.Reason = string.Join("; ", new[] { operation.Reason, $"re-enqueued by reconcile: job {operation.JobId ?? "(none)"} was lost" }.OfType<string>());
            plan.Recovered.Add(operation);
        }

        return plan;
    }

    /// <summary>Open operations old enough that a missing job means it was lost, not that it is still being enqueued.</summary>
    public static IEnumerable<Operation> LostJobCandidates(ReconcileRows rows, DateTimeOffset now, TimeSpan grace) =>
        rows.OpenOperations.Where(o => o.Kind != OperationKind.Wake && now - o.RequestedAt > grace); // the gateway's process runs a wake, no job

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
        if (changed || d.ObservedAt is null)
        {
            // Only rows whose observation changed are written: a pass over a steady fleet writes nothing.
            d.ObservedAt = now;
            d.UpdatedAt = now;
        }

        return changed;
    }

    /// <summary>
    /// The work reconcile starts on its own: apply a revision no job applied, delete again what a failed delete left,
    /// repair drift, pull a model. <paramref name="failures"/> are this revision's failed jobs, oldest first.
    /// </summary>
    private static Operation? FollowUp(Deployment d, Observation o, InFlight flight, IReadOnlyList<JobFailure> failures, DateTimeOffset now)
    {
        if (flight.Any)
        {
            return null;
        }

        if (d.DesiredState == DesiredState.Deleted)
        {
            return failures.LastOrDefault() is { Kind: OperationKind.Delete } failedDelete
                ? NewOperation(d, OperationKind.Delete, now, $"the delete failed ({Times(failures.Count)}); deleting again", failedDelete.Parameters)
                : null;
        }

        if (d.AppliedRevision < d.Revision)
        {
            var why = failures.Count > 0 ? $"its job failed ({Times(failures.Count)})" : "its job was lost";
            return NewOperation(d, OperationKind.Deploy, now, $"revision {d.Revision} was not applied ({why}); applying it");
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

    private static string Times(int count) => count == 1 ? "once" : $"{count} times";

    private static Operation NewOperation(Deployment d, OperationKind kind, DateTimeOffset now, string reason, string? parameters = null) => new()
    {
        DeploymentId = d.Id,
        DeploymentName = d.Name,
        Kind = kind,
        Revision = d.Revision,
        RequestedBy = RequestedBy,
        RequestedAt = now,
        Reason = reason,
        Parameters = parameters,
    };

    private static InFlight InFlightOf(IEnumerable<Operation> operations)
    {
        var kinds = operations.Select(o => o.Kind).ToHashSet();
        return new InFlight(
            Deploy: kinds.Overlaps([OperationKind.Deploy, OperationKind.Start, OperationKind.Stop, OperationKind.Reconcile]),
            Scale: kinds.Contains(OperationKind.Scale),
            Delete: kinds.Contains(OperationKind.Delete),
            Pull: kinds.Contains(OperationKind.PullModel));
    }
}
