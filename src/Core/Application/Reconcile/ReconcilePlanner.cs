using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Application.Reconcile;

/// <summary>What a pass read from the database.</summary>
public sealed record ReconcileRows(
    IReadOnlyList<Deployment> Deployments,
    IReadOnlyList<Operation> OpenOperations,
    IReadOnlySet<(Guid DeploymentId, long Revision)> RecentFailures);

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
        foreach (var deployment in rows.Deployments)
        {
            var objects = snapshot.For(deployment.Namespace, deployment.Name);
            var flight = inFlight.GetValueOrDefault(deployment.Id, InFlight.None);

            if (deployment.DesiredState == DesiredState.Deleted && objects.IsEmpty && !flight.Delete)
            {
                plan.Removed.Add(deployment);
                continue;
            }

            var observation = ObservedStateEvaluator.Evaluate(deployment, objects, flight);
            var failedRecently = rows.RecentFailures.Contains((deployment.Id, deployment.Revision));
            if (failedRecently && !flight.Any && observation.State == ObservedState.Deploying)
            {
                // The job for this revision failed and says why in LastError; until the retry, that is the state.
                observation = observation with { State = ObservedState.Failed };
            }

            if (Apply(deployment, observation, now))
            {
                plan.Changed.Add(deployment);
            }

            if (!failedRecently && FollowUp(deployment, observation, flight, now) is { } follow)
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

    /// <summary>The work reconcile starts on its own: apply a revision no job applied, repair drift, pull a model.</summary>
    private static Operation? FollowUp(Deployment d, Observation o, InFlight flight, DateTimeOffset now)
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
