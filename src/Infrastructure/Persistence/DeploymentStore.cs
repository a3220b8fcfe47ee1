using Microsoft.EntityFrameworkCore;
using Portal.Application.Ports;
using Portal.Domain.Deployments;

namespace Portal.Infrastructure.Persistence;

/// <summary>The deployments and their audit log in the portal database (EF Core); every call is its own short unit of work.</summary>
public sealed class DeploymentStore(IDbContextFactory<PortalDb> dbFactory) : IDeploymentStore
{
    public async Task<Deployment?> FindAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Deployments.AsNoTracking().FirstOrDefaultAsync(d => d.Name == name, cancellationToken);
    }

    public async Task<Deployment?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Deployments.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
    }

    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Deployments.AnyAsync(d => d.Name == name, cancellationToken);
    }

    public async Task<IReadOnlyList<Deployment>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Deployments.AsNoTracking().OrderBy(d => d.Namespace).ThenBy(d => d.Name).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Operation>> OperationsAsync(string deploymentName, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Operations.AsNoTracking()
            .Where(o => o.DeploymentName == deploymentName)
            .ToListAsync(cancellationToken);
        return rows.OrderByDescending(o => o.RequestedAt).ThenByDescending(o => o.Id).Take(take).ToList();
    }

    public async Task<SaveOutcome> AddAsync(Deployment deployment, Operation operation, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Deployments.AnyAsync(d => d.Name == deployment.Name, cancellationToken))
        {
            return SaveOutcome.NameTaken;
        }

        db.Deployments.Add(deployment);
        db.Operations.Add(operation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return SaveOutcome.Saved;
        }
        catch (DbUpdateException)
        {
            // Two creates with one name raced; the unique index let one through.
            if (await ExistsAsync(deployment.Name, cancellationToken))
            {
                return SaveOutcome.NameTaken;
            }

            throw;
        }
    }

    public async Task<SaveOutcome> SaveAsync(Deployment deployment, Guid readStamp, Operation operation, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entry = db.Deployments.Attach(deployment);
        entry.State = EntityState.Modified;
        entry.Property(d => d.ConcurrencyStamp).OriginalValue = readStamp;
        db.Operations.Add(operation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return SaveOutcome.Saved;
        }
        catch (DbUpdateConcurrencyException)
        {
            return await ExistsAsync(deployment.Name, cancellationToken) ? SaveOutcome.Stale : SaveOutcome.NotFound;
        }
    }

    public async Task AddOperationAsync(Operation operation, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Operations.Add(operation);
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task SetJobIdsAsync(IReadOnlyCollection<Operation> operations, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        foreach (var operation in operations)
        {
            db.Operations.Attach(operation).Property(o => o.JobId).IsModified = true;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<int> PruneOperationsAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Operations
            .Where(o => o.RequestedAt < cutoff
                && o.Outcome != OperationOutcome.Pending
                && o.Outcome != OperationOutcome.Running)
            .ExecuteDeleteAsync(cancellationToken);
    }
}
