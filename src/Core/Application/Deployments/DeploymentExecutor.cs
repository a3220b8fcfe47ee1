using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Application.Ports;
using Portal.Application.Reconcile;
using Portal.Domain.Deployments;
using Portal.Domain.Manifests;

namespace Portal.Application.Deployments;

/// <summary>
/// The work behind each operation, run by a background job: render and apply a revision, scale, delete, pull
/// a model. Each is idempotent (safe to run twice or after a crash), holds the deployment's lock, retries
/// transient cluster failures and records every attempt on its Operation. A step that gives up says why on
/// the Operation and the deployment, and reconcile picks up what is left.
/// </summary>
public sealed partial class DeploymentExecutor(
    IOperationLog log,
    IWorkLocks locks,
    IClusterResilience resilience,
    IClusterWriter cluster,
    IClusterLimits limits,
    IModelPuller puller,
    ReconcileSignal reconcile,
    IOptions<RenderOptions> renderOptions,
    IOptions<JobOptions> jobOptions,
    TimeProvider time,
    ILogger<DeploymentExecutor> logger)
{
    /// <summary>Renders the deployment at <paramref name="revision"/> and applies it; skipped when a newer revision exists.</summary>
    public Task DeployAsync(Guid deploymentId, long revision, long operationId, CancellationToken cancellationToken) =>
        RunAsync(deploymentId, operationId, revision, async (deployment, token) =>
        {
            var manifests = ManifestRenderer.Render(deployment.EffectiveSpec, deployment.Revision, renderOptions.Value, await limits.GetAsync(token));
            await StepAsync(operationId, ct => cluster.EnsureNamespaceAsync(deployment.Namespace, ct), token);
            await StepAsync(operationId, ct => cluster.ApplyAsync(manifests, ct), token);
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
            await StepAsync(operationId, ct => cluster.ScaleAsync(deployment.Namespace, deployment.Name, replicas, ct), token);
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
            await StepAsync(operationId, ct => cluster.DeleteAsync(deployment.Namespace, deployment.Name, deleteModelCache, ct), token);
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

    private async Task RunAsync(
        Guid deploymentId,
        long operationId,
        long? revision,
        Func<Deployment, CancellationToken, Task<string?>> work,
        CancellationToken cancellationToken)
    {
        using var held = locks.AcquireDeployment(deploymentId);
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
                : resilience.Describe(e);
            LogJobFailed(deployment.Name, reason);
            await log.FinishAsync(operationId, OperationOutcome.Failed, reason, CancellationToken.None);
            await log.UpdateDeploymentAsync(deploymentId, d =>
            {
                d.LastError = reason;
                if (!resilience.IsTransient(e))
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

    /// <summary>Runs a cluster step with retries, each written on the Operation.</summary>
    private Task StepAsync(long operationId, Func<CancellationToken, Task> step, CancellationToken cancellationToken) =>
        resilience.RunAsync(step, reason => log.RetryingAsync(operationId, reason, cancellationToken), cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job for deployment {Name} failed: {Reason}")]
    private partial void LogJobFailed(string name, string reason);
}
