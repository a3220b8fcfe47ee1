using Portal.Domain.Deployments;

namespace Portal.Application.Ports;

/// <summary>
/// The jobs' writes to the database: the audit-log entry of the running operation and the observed fields of
/// its deployment. Observed fields never touch the spec or the ETag.
/// </summary>
public interface IOperationLog
{
    Task<Deployment?> FindAsync(Guid deploymentId, CancellationToken cancellationToken);

    Task StartAsync(long operationId, CancellationToken cancellationToken);

    Task RetryingAsync(long operationId, string reason, CancellationToken cancellationToken);

    Task FinishAsync(long operationId, OperationOutcome outcome, string? message, CancellationToken cancellationToken);

    /// <summary>Replaces the operation's parameters (a wake records the cold start it measured).</summary>
    Task SetParametersAsync(long operationId, OperationParameters parameters, CancellationToken cancellationToken);

    /// <summary>Loads the deployment, applies <paramref name="change"/> to observed fields and saves, re-reading if a user edited it meanwhile.</summary>
    Task<Deployment?> UpdateDeploymentAsync(Guid deploymentId, Action<Deployment> change, CancellationToken cancellationToken);

    Task RemoveDeploymentAsync(Guid deploymentId, CancellationToken cancellationToken);
}
