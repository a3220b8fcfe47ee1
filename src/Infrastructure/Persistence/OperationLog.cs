using Microsoft.EntityFrameworkCore;
using Portal.Application.Deployments;
using Portal.Application.Ports;
using Portal.Domain.Deployments;

namespace Portal.Infrastructure.Persistence;

/// <summary>
/// The jobs' writes to the database: the audit log entry of the running operation and the
/// observed fields of its deployment. Observed fields never touch the spec or the ETag.
/// </summary>
public sealed class OperationLog(IDbContextFactory<PortalDb> dbFactory, DeploymentChanges changes, TimeProvider time) : IOperationLog
{
    public Task StartAsync(long operationId, CancellationToken cancellationToken) =>
        UpdateOperationAsync(operationId, op =>
        {
            op.Outcome = OperationOutcome.Running;
            op.Attempts = Math.Max(op.Attempts, 1);
        }, cancellationToken);

    public Task RetryingAsync(long operationId, string reason, CancellationToken cancellationToken) =>
        UpdateOperationAsync(operationId, op =>
        {
            op.Attempts++;
            op.Message = $"retry {op.Attempts - 1}: {reason}";
        }, cancellationToken);

    public Task FinishAsync(long operationId, OperationOutcome outcome, string? message, CancellationToken cancellationToken) =>
        UpdateOperationAsync(operationId, op =>
        {
            op.Outcome = outcome;
            op.Message = message is null
                ? (op.Attempts > 1 ? $"succeeded after {op.Attempts - 1} retried call(s)" : null)
                : (op.Attempts > 1 ? $"{message} (after {op.Attempts - 1} retried call(s))" : message);
            op.FinishedAt = time.GetUtcNow();
        }, cancellationToken);

    public Task SetParametersAsync(long operationId, OperationParameters parameters, CancellationToken cancellationToken) =>
        UpdateOperationAsync(operationId, op => op.Parameters = parameters.ToJson(), cancellationToken);

    /// <summary>Loads the deployment, applies <paramref name="change"/> to observed fields and saves, re-reading once if a user edited it meanwhile.</summary>
    public async Task<Deployment?> UpdateDeploymentAsync(Guid deploymentId, Action<Deployment> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var deployment = await db.Deployments.FirstOrDefaultAsync(d => d.Id == deploymentId, cancellationToken);
            if (deployment is null)
            {
                return null;
            }

            change(deployment);
            if (!db.ChangeTracker.HasChanges())
            {
                return deployment;
            }

            deployment.UpdatedAt = time.GetUtcNow();
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                changes.Publish(deployment.Id, deployment.Name);
                return deployment;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 3)
            {
            }
        }
    }

    public async Task<Deployment?> FindAsync(Guid deploymentId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Deployments.AsNoTracking().FirstOrDefaultAsync(d => d.Id == deploymentId, cancellationToken);
    }

    public async Task RemoveDeploymentAsync(Guid deploymentId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var removed = await db.Deployments.Where(d => d.Id == deploymentId).ExecuteDeleteAsync(cancellationToken);
        if (removed > 0)
        {
            changes.Publish(deploymentId, "");
        }
    }

    private async Task UpdateOperationAsync(long operationId, Action<Operation> change, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var operation = await db.Operations.FirstOrDefaultAsync(o => o.Id == operationId, cancellationToken);
        if (operation is null)
        {
            return;
        }

        change(operation);
        await db.SaveChangesAsync(cancellationToken);
        changes.Publish(operation.DeploymentId, operation.DeploymentName);
    }
}
