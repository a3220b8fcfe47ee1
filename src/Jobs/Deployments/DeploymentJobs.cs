using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Deployments;
using Portal.Core.Engines;
using Portal.Core.Manifests;
using Portal.Jobs.Cluster;
using Portal.Jobs.Reconcile;

namespace Portal.Jobs.Deployments;

/// <summary>
/// The Hangfire jobs that change a deployment on the cluster. Each is idempotent (safe to run
/// twice or after a crash), holds the deployment's lock, retries transient API failures with
/// backoff and records every attempt on its Operation. Hangfire's own retry is off: a job that
/// gives up says why on the Operation and the deployment, and reconcile picks up what is left.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed partial class DeploymentJobs(
    OperationLog log,
    DeploymentLock locks,
    ClusterRetry retry,
    ClusterWriter cluster,
    ClusterLimitsProvider limits,
    ModelPuller puller,
    ReconcileSignal reconcile,
    IOptions<RenderOptions> renderOptions,
    IOptions<JobOptions> jobOptions,
    TimeProvider time,
    ILogger<DeploymentJobs> logger)
{
    /// <summary>Renders the deployment at <paramref name="revision"/> and applies it; skipped when a newer revision exists.</summary>
    public Task DeployAsync(Guid deploymentId, long revision, long operationId, CancellationToken cancellationToken) =>
        RunAsync(deploymentId, operationId, revision, async (deployment, token) =>
        {
            var manifests = ManifestRenderer.Render(EffectiveSpec(deployment), deployment.Revision, renderOptions.Value, await limits.GetAsync(token));
            await WithRetryAsync(operationId, ct => cluster.EnsureNamespaceAsync(deployment.Namespace, ct), token);
            await WithRetryAsync(operationId, ct => cluster.ApplyAsync(manifests, ct), token);
            await log.UpdateDeploymentAsync(deploymentId, d =>
            {
                d.AppliedRevision = Math.Max(d.AppliedRevision, revision);
                d.LastError = null;
                d.Drift = null;
                if (d.DesiredState == DesiredState.Running && d.ObservedState != ObservedState.Ready)
                {
                    d.ObservedState = ObservedState.Deploying;
                }
            }, token);
            return null;
        }, cancellationToken);

    /// <summary>Sets the StatefulSet's replicas through the scale subresource.</summary>
    public Task ScaleAsync(Guid deploymentId, long revision, int replicas, long operationId, CancellationToken cancellationToken) =>
        RunAsync(deploymentId, operationId, revision, async (deployment, token) =>
        {
            await WithRetryAsync(operationId, ct => cluster.ScaleAsync(deployment.Namespace, deployment.Name, replicas, ct), token);
            await log.UpdateDeploymentAsync(deploymentId, d =>
            {
                d.AppliedRevision = Math.Max(d.AppliedRevision, revision);
                d.LastError = null;
                d.ObservedState = ObservedState.Scaling;
            }, token);
            return $"scaled to {replicas}";
        }, cancellationToken);

    /// <summary>Removes what the portal created; the model cache stays unless <paramref name="deleteModelCache"/>.</summary>
    public Task DeleteAsync(Guid deploymentId, bool deleteModelCache, long operationId, CancellationToken cancellationToken) =>
        RunAsync(deploymentId, operationId, revision: null, async (deployment, token) =>
        {
            await log.UpdateDeploymentAsync(deploymentId, d => d.ObservedState = ObservedState.Deleting, token);
            await WithRetryAsync(operationId, ct => cluster.DeleteAsync(deployment.Namespace, deployment.Name, deleteModelCache, ct), token);
            if (await WaitUntilGoneAsync(deployment, token))
            {
                await log.RemoveDeploymentAsync(deploymentId, token);
            }

            return deleteModelCache ? "deleted, with the model cache" : "deleted; the model cache volume claims were kept";
        }, cancellationToken);

    /// <summary>Pulls an Ollama model on every ready pod, recording progress on the deployment.</summary>
    public Task PullModelAsync(Guid deploymentId, long revision, long operationId, CancellationToken cancellationToken) =>
        RunAsync(deploymentId, operationId, revision, async (deployment, token) =>
        {
            var pods = await puller.PullOnReadyPodsAsync(deployment, token);
            return $"pulled {deployment.Model} on {pods} pod(s)";
        }, cancellationToken);

    /// <summary>The spec as it should be applied now: a stopped deployment runs no replicas and no autoscaler.</summary>
    public static DeploymentSpec EffectiveSpec(Deployment deployment) => deployment.DesiredState == DesiredState.Running
        ? deployment.Spec
        : deployment.Spec with { Replicas = 0, Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Off } };

    private async Task RunAsync(
        Guid deploymentId,
        long operationId,
        long? revision,
        Func<Deployment, CancellationToken, Task<string?>> work,
        CancellationToken cancellationToken)
    {
        using var held = locks.Acquire(deploymentId);
        var deployment = await log.FindAsync(deploymentId, cancellationToken);
        if (deployment is null)
        {
            await log.FinishAsync(operationId, OperationOutcome.Skipped, "the deployment no longer exists", cancellationToken);
            return;
        }

        if (revision is { } wanted && deployment.Revision > wanted)
        {
            await log.FinishAsync(operationId, OperationOutcome.Skipped, $"superseded by revision {deployment.Revision}", cancellationToken);
            return;
        }

        if (revision is not null && deployment.DesiredState == DesiredState.Deleted)
        {
            await log.FinishAsync(operationId, OperationOutcome.Skipped, "the deployment is being deleted", cancellationToken);
            return;
        }

        await log.StartAsync(operationId, cancellationToken);
        try
        {
            var message = await work(deployment, cancellationToken);
            await log.FinishAsync(operationId, OperationOutcome.Succeeded, message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = e is InvalidDeploymentSpecException invalid
                ? $"the spec does not validate against this cluster: {invalid.Result}"
                : ClusterFailure.Describe(e);
            LogJobFailed(deployment.Name, reason);
            await log.FinishAsync(operationId, OperationOutcome.Failed, reason, CancellationToken.None);
            await log.UpdateDeploymentAsync(deploymentId, d =>
            {
                d.LastError = reason;
                if (!ClusterFailure.IsTransient(e))
                {
                    d.ObservedState = ObservedState.Failed;
                }
            }, CancellationToken.None);
        }
        finally
        {
            // Whatever the outcome, the observed state should reflect it soon.
            reconcile.Request();
        }
    }

    /// <summary>Foreground deletion ends when the pods are gone; reconcile removes the row if that takes longer than the wait.</summary>
    private async Task<bool> WaitUntilGoneAsync(Deployment deployment, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + jobOptions.Value.DeleteWait;
        while (true)
        {
            if (!await cluster.AnythingLeftAsync(deployment.Namespace, deployment.Name, cancellationToken))
            {
                return true;
            }

            if (time.GetUtcNow() > deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
        }
    }

    /// <summary>
    /// Runs a cluster step: each request inside is retried on its own (TransientRetryHandler); the
    /// whole step is retried when a request timed out (ClusterRetry). Both land on the Operation.
    /// </summary>
    private async Task WithRetryAsync(long operationId, Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        using var observe = RetryObserver.Observe(reason => log.RetryingAsync(operationId, reason, cancellationToken));
        await retry.ExecuteAsync(call, error => log.RetryingAsync(operationId, ClusterFailure.Describe(error), cancellationToken), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job for deployment {Name} failed: {Reason}")]
    private partial void LogJobFailed(string name, string reason);
}
