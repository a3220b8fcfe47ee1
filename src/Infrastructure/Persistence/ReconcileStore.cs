using Microsoft.EntityFrameworkCore;
using Portal.Application.Ports;
using Portal.Application.Reconcile;
using Portal.Domain.Deployments;

namespace Portal.Infrastructure.Persistence;

/// <summary>Reconcile's unit of work: three queries to read, one save to write, however many deployments there are.</summary>
public sealed class ReconcileStore(IDbContextFactory<PortalDb> dbFactory) : IReconcileStore
{
    public async Task<IReconcileSession> OpenAsync(DateTimeOffset failuresSince, CancellationToken cancellationToken)
    {
        var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        try
        {
            var deployments = await db.Deployments.ToListAsync(cancellationToken);
            var open = await db.Operations
                .Where(o => o.Outcome == OperationOutcome.Pending || o.Outcome == OperationOutcome.Running)
                .ToListAsync(cancellationToken);
            var failures = (await db.Operations.AsNoTracking()
                    .Where(o => o.Outcome == OperationOutcome.Failed)
                    .Select(o => new { o.DeploymentId, o.Revision, o.FinishedAt })
                    .ToListAsync(cancellationToken))
                .Where(o => o.FinishedAt > failuresSince)
                .Select(o => (o.DeploymentId, o.Revision))
                .ToHashSet();
            return new Session(db, new ReconcileRows(deployments, open, failures));
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    private sealed class Session(PortalDb db, ReconcileRows rows) : IReconcileSession
    {
        public ReconcileRows Rows => rows;

        public async Task SaveAsync(ReconcilePlan plan, CancellationToken cancellationToken)
        {
            db.Deployments.RemoveRange(plan.Removed);
            db.Operations.AddRange(plan.NewOperations);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException e)
            {
                throw new ConcurrentChangeException("a deployment changed during the reconcile pass", e);
            }
        }

        public ValueTask DisposeAsync() => db.DisposeAsync();
    }
}
