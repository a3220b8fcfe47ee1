using Microsoft.EntityFrameworkCore;
using Portal.Core.Deployments;

namespace Portal.Core.Data;

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

/// <summary>Read-side queries over deployments for pages and the API; pages never see the DbContext.</summary>
public sealed class DeploymentQueries(IDbContextFactory<PortalDb> dbFactory)
{
    public async Task<IReadOnlyList<DeploymentSummary>> ListAsync(CancellationToken cancellationToken) =>
        (await ListDeploymentsAsync(cancellationToken)).Select(ToSummary).ToList();

    public async Task<Deployment?> FindAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Deployments.AsNoTracking().FirstOrDefaultAsync(d => d.Name == name, cancellationToken);
    }

    public async Task<IReadOnlyList<Deployment>> ListDeploymentsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Deployments.AsNoTracking().OrderBy(d => d.Namespace).ThenBy(d => d.Name).ToListAsync(cancellationToken);
    }

    /// <summary>The audit log of one deployment, newest first (it outlives the deployment row).</summary>
    public async Task<IReadOnlyList<Operation>> OperationsAsync(string deploymentName, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Operations.AsNoTracking()
            .Where(o => o.DeploymentName == deploymentName)
            .ToListAsync(cancellationToken);
        return rows.OrderByDescending(o => o.RequestedAt).ThenByDescending(o => o.Id).Take(take).ToList();
    }

    public static DeploymentSummary ToSummary(Deployment d) => new(
        d.Id, d.Name, d.Namespace, d.Framework, d.Model,
        d.ReadyReplicas, d.DesiredReplicas, d.ObservedState, d.DesiredState,
        d.LastEvent, d.LastError, d.CreatedAt);
}
