using Hangfire;
using Portal.Application.Deployments;

namespace Portal.Jobs;

/// <summary>
/// The Hangfire jobs that change a deployment on the cluster; each runs the application's
/// <see cref="DeploymentExecutor"/>. Hangfire's own retry is off: a job that gives up says why on its
/// Operation and the deployment, and reconcile picks up what is left.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class DeploymentJobs(DeploymentExecutor executor)
{
    public Task DeployAsync(Guid deploymentId, long revision, long operationId, CancellationToken cancellationToken) =>
        executor.DeployAsync(deploymentId, revision, operationId, cancellationToken);

    public Task ScaleAsync(Guid deploymentId, long revision, int replicas, long operationId, CancellationToken cancellationToken) =>
        executor.ScaleAsync(deploymentId, revision, replicas, operationId, cancellationToken);

    public Task DeleteAsync(Guid deploymentId, bool deleteModelCache, long operationId, CancellationToken cancellationToken) =>
        executor.DeleteAsync(deploymentId, deleteModelCache, operationId, cancellationToken);

    public Task PullModelAsync(Guid deploymentId, long revision, long operationId, CancellationToken cancellationToken) =>
        executor.PullModelAsync(deploymentId, revision, operationId, cancellationToken);
}
