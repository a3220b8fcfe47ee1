using Hangfire;
using Hangfire.States;
using Portal.Application.Ports;
using Portal.Domain.Deployments;

namespace Portal.Jobs;

/// <summary>The one mapping from an Operation to the Hangfire job that carries it out, and whether that job still exists.</summary>
public sealed class HangfireJobQueue(IBackgroundJobClient jobs, JobStorage storage) : IJobQueue
{
    public string Enqueue(Operation operation)
    {
        var p = OperationParameters.FromJson(operation.Parameters);
        var id = operation.DeploymentId;
        var revision = operation.Revision;
        var op = operation.Id;
        return operation.Kind switch
        {
            OperationKind.Deploy or OperationKind.Start or OperationKind.Stop or OperationKind.Reconcile =>
                jobs.Enqueue<DeploymentJobs>(j => j.DeployAsync(id, revision, op, CancellationToken.None)),
            OperationKind.Scale =>
                jobs.Enqueue<DeploymentJobs>(j => j.ScaleAsync(id, revision, p.Replicas ?? 0, op, CancellationToken.None)),
            OperationKind.Delete =>
                jobs.Enqueue<DeploymentJobs>(j => j.DeleteAsync(id, p.DeleteModelCache ?? false, op, CancellationToken.None)),
            OperationKind.PullModel =>
                jobs.Enqueue<DeploymentJobs>(j => j.PullModelAsync(id, revision, op, CancellationToken.None)),
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation.Kind, "no job for this operation kind"),
        };
    }

    public string EnqueueReconcile() => jobs.Enqueue<ReconcileJob>(job => job.RunAsync(CancellationToken.None));

    public bool IsAlive(string? jobId) =>
        HangfireJobState.Of(storage, jobId) is { } job
        && job.State != DeletedState.StateName && job.State != FailedState.StateName;
}
