using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Application.Ports;
using Portal.Application.Reconcile;
using Portal.Domain.Deployments;

namespace Portal.Infrastructure.Persistence;

/// <summary>
/// Reconcile's unit of work: three queries to read, one save to write, however many deployments there are. The three
/// reads see one snapshot: read apart, a job finishing between them would show its deployment not yet applied and its
/// operation already closed, and reconcile would start the same deploy again.
/// </summary>
public sealed class ReconcileStore(IDbContextFactory<PortalDb> dbFactory) : IReconcileStore
{
    public async Task<IReconcileSession> OpenAsync(DateTimeOffset failuresSince, CancellationToken cancellationToken)
    {
        var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        try
        {
            await using var snapshot = await BeginSnapshotAsync(db, cancellationToken);
            var deployments = await db.Deployments.ToListAsync(cancellationToken);
            var open = await db.Operations
                .Where(o => o.Outcome == OperationOutcome.Pending || o.Outcome == OperationOutcome.Running)
                .ToListAsync(cancellationToken);
            var failures = (await db.Operations.AsNoTracking()
                    .Where(o => o.Outcome == OperationOutcome.Failed)
                    .Select(o => new { o.DeploymentId, o.Revision, o.Kind, o.Parameters, o.FinishedAt })
                    .ToListAsync(cancellationToken))
                .Where(o => o.FinishedAt > failuresSince)
                .Select(o => new JobFailure(o.DeploymentId, o.Revision, o.Kind, o.Parameters, o.FinishedAt!.Value))
                .ToList();
            await snapshot.CommitAsync(cancellationToken);
            return new Session(db, new ReconcileRows(deployments, open, failures));
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// PostgreSQL: a repeatable-read transaction. SQLite: a deferred one, which in WAL mode reads one snapshot
    /// without taking the write lock (EF's own BeginTransaction would begin an immediate one).
    /// </summary>
    private static async Task<IDbContextTransaction> BeginSnapshotAsync(PortalDb db, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            return await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        var sqlite = (SqliteConnection)db.Database.GetDbConnection();
        return await db.Database.UseTransactionAsync(sqlite.BeginTransaction(deferred: true), cancellationToken)
               ?? throw new InvalidOperationException("EF Core did not take the SQLite transaction");
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
