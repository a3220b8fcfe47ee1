using Portal.Application.Ports;
using Portal.Domain.Deployments;

namespace Portal.Application.Deployments;

/// <summary>A row of the deployments list: what a user scans for, nothing more.</summary>
public sealed record DeploymentSummary(
    Guid Id,
    string Name,
    string Namespace,
    string Framework,
    string Model,
    int ReadyReplicas,
    int DesiredReplicas,
    ObservedState State,
    DesiredState DesiredState,
    string? LastEvent,
    string? LastError,
    DateTimeOffset CreatedAt);

/// <summary>Read-side queries over deployments for pages and the API; pages never see the database.</summary>
public sealed class DeploymentQueries(IDeploymentStore store)
{
    public async Task<IReadOnlyList<DeploymentSummary>> ListAsync(CancellationToken cancellationToken) =>
        (await store.ListAsync(cancellationToken)).Select(ToSummary).ToList();

    public Task<Deployment?> FindAsync(string name, CancellationToken cancellationToken) => store.FindAsync(name, cancellationToken);

    public Task<IReadOnlyList<Deployment>> ListDeploymentsAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    /// <summary>The audit log of one deployment, newest first (it outlives the deployment row).</summary>
    public Task<IReadOnlyList<Operation>> OperationsAsync(string deploymentName, int take, CancellationToken cancellationToken) =>
        store.OperationsAsync(deploymentName, take, cancellationToken);

    public static DeploymentSummary ToSummary(Deployment d) => new(
        d.Id, d.Name, d.Namespace, d.Framework, d.Model,
        d.ReadyReplicas, d.DesiredReplicas, d.ObservedState, d.DesiredState,
        d.LastEvent, d.LastError, d.CreatedAt);
}
