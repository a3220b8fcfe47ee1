using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Portal.Application.Deployments;
using Portal.Application.Ports;
using Portal.Application.Reconcile;
using Portal.Domain.Deployments;
using Portal.Infrastructure.Persistence;
using Portal.TestSupport;

namespace Portal.Infrastructure.Tests.Persistence;

/// <summary>
/// The persistence adapters' behaviour the application relies on, run against each real database the portal supports:
/// the same tests, once per provider (<see cref="SqlitePersistenceTests"/>, <see cref="PostgreSqlPersistenceTests"/>).
/// </summary>
public abstract class PersistenceContract : IAsyncLifetime
{
    private IDbContextFactory<PortalDb> _db = default!;

    protected static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private DeploymentStore Store => new(_db);

    private ReconcileStore Reconcile => new(_db);

    private OperationLog Log => new(_db, new DeploymentChanges(), TimeProvider.System);

    /// <summary>A fresh, empty database of the provider under test.</summary>
    protected abstract Task<DatabaseOptions> NewDatabaseAsync();

    public async ValueTask InitializeAsync()
    {
        var options = new DbContextOptionsBuilder<PortalDb>();
        options.UsePortalDatabase(await NewDatabaseAsync());
        _db = new PooledDbContextFactory<PortalDb>(options.Options);
        await using var db = await _db.CreateDbContextAsync(Ct);
        await db.Database.MigrateAsync(Ct);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_deployment_round_trips_with_its_spec_and_a_second_one_of_that_name_is_refused()
    {
        var (deployment, operation) = NewDeployment("round-trip");
        Assert.Equal(SaveOutcome.Saved, await Store.AddAsync(deployment, operation, Ct));
        Assert.True(operation.Id > 0);

        var read = await Store.FindAsync("round-trip", Ct);
        Assert.NotNull(read);
        Assert.Equal(deployment.Spec.Model, read.Spec.Model);
        Assert.Equal(deployment.ETag, read.ETag);
        // Times keep at least millisecond precision (PostgreSQL keeps microseconds, SQLite's binary form less).
        Assert.InRange((read.CreatedAt - deployment.CreatedAt).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Equal(read.Id, (await Store.FindAsync(deployment.Id, Ct))!.Id);

        var (twin, twinOperation) = NewDeployment("round-trip");
        Assert.Equal(SaveOutcome.NameTaken, await Store.AddAsync(twin, twinOperation, Ct));
        Assert.Single(await Store.ListAsync(Ct));
    }

    [Fact]
    public async Task A_save_from_a_stale_read_is_refused_and_one_of_a_deleted_row_is_not_found()
    {
        var (deployment, operation) = NewDeployment("stale");
        await Store.AddAsync(deployment, operation, Ct);
        var first = (await Store.FindAsync("stale", Ct))!;
        var second = (await Store.FindAsync("stale", Ct))!;

        Assert.Equal(SaveOutcome.Saved, await Change(first));
        Assert.Equal(SaveOutcome.Stale, await Change(second));

        await Log.RemoveDeploymentAsync(deployment.Id, Ct);
        Assert.Equal(SaveOutcome.NotFound, await Change((await Store.ListAsync(Ct)).SingleOrDefault() ?? first));
    }

    [Fact]
    public async Task Job_updates_of_observed_fields_keep_the_etag_and_the_log_keeps_the_attempts()
    {
        var (deployment, operation) = NewDeployment("observed");
        await Store.AddAsync(deployment, operation, Ct);
        await Log.StartAsync(operation.Id, Ct);
        await Log.RetryingAsync(operation.Id, "503 from the API server", Ct);
        await Log.UpdateDeploymentAsync(deployment.Id, d => d.ObservedState = ObservedState.Deploying, Ct);
        await Log.FinishAsync(operation.Id, OperationOutcome.Succeeded, null, Ct);

        var read = (await Store.FindAsync("observed", Ct))!;
        Assert.Equal(ObservedState.Deploying, read.ObservedState);
        Assert.Equal(deployment.ETag, read.ETag);
        var logged = Assert.Single(await Store.OperationsAsync("observed", 10, Ct));
        Assert.Equal((OperationOutcome.Succeeded, 2, "succeeded after 1 retried call(s)"), (logged.Outcome, logged.Attempts, logged.Message));
        Assert.NotNull(logged.FinishedAt);
    }

    [Fact]
    public async Task A_reconcile_pass_reads_open_work_and_recent_failures_and_refuses_to_overwrite_a_users_change()
    {
        var now = DateTimeOffset.UtcNow;
        var (open, openOperation) = NewDeployment("open-work");
        await Store.AddAsync(open, openOperation, Ct);
        var (failed, failedOperation) = NewDeployment("failed-work");
        await Store.AddAsync(failed, failedOperation, Ct);
        await Log.FinishAsync(failedOperation.Id, OperationOutcome.Failed, "boom", Ct);

        await using (var session = await Reconcile.OpenAsync(now.AddMinutes(-2), Ct))
        {
            Assert.Equal(["failed-work", "open-work"], session.Rows.Deployments.Select(d => d.Name).Order());
            Assert.Equal([openOperation.Id], session.Rows.OpenOperations.Select(o => o.Id));
            var failure = Assert.Single(session.Rows.Failures);
            Assert.Equal((failed.Id, failedOperation.Revision, failedOperation.Kind), (failure.DeploymentId, failure.Revision, failure.Kind));

            var row = session.Rows.Deployments.Single(d => d.Name == "open-work");
            row.ObservedState = ObservedState.Ready;
            Assert.Equal(SaveOutcome.Saved, await Change((await Store.FindAsync("open-work", Ct))!)); // a user, meanwhile
            await Assert.ThrowsAsync<ConcurrentChangeException>(() => session.SaveAsync(new ReconcilePlan(), Ct));
        }

        await using (var later = await Reconcile.OpenAsync(now.AddMinutes(5), Ct))
        {
            Assert.Empty(later.Rows.Failures); // failures before the cut-off do not count
        }
    }

    [Fact]
    public async Task Pruning_removes_only_finished_operations_older_than_the_cutoff()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var db = await _db.CreateDbContextAsync(Ct))
        {
            db.Operations.AddRange(
                OldOperation("old-done", now.AddDays(-45), OperationOutcome.Succeeded),
                OldOperation("old-running", now.AddDays(-45), OperationOutcome.Running),
                OldOperation("recent-done", now.AddDays(-2), OperationOutcome.Failed));
            await db.SaveChangesAsync(Ct);
        }

        Assert.Equal(1, await Store.PruneOperationsAsync(now.AddDays(-30), Ct));
        await using var check = await _db.CreateDbContextAsync(Ct);
        Assert.Equal(["old-running", "recent-done"], await check.Operations.Select(o => o.DeploymentName).OrderBy(n => n).ToListAsync(Ct));
    }

    private Task<SaveOutcome> Change(Deployment deployment)
    {
        var readStamp = deployment.ConcurrencyStamp;
        deployment.Revision++;
        deployment.ConcurrencyStamp = Guid.NewGuid();
        deployment.UpdatedAt = DateTimeOffset.UtcNow;
        var operation = new Operation
        {
            DeploymentId = deployment.Id, DeploymentName = deployment.Name, Kind = OperationKind.Scale,
            Revision = deployment.Revision, RequestedBy = "test", RequestedAt = DateTimeOffset.UtcNow,
        };
        return Store.SaveAsync(deployment, readStamp, operation, Ct);
    }

    private static (Deployment, Operation) NewDeployment(string name)
    {
        var now = DateTimeOffset.UtcNow;
        var deployment = new Deployment { CreatedAt = now, UpdatedAt = now };
        deployment.SetSpec(new DeploymentSpec { Name = name, Namespace = "default", Framework = "vllm", Model = "Qwen/Qwen2.5-0.5B-Instruct" });
        var operation = new Operation
        {
            DeploymentId = deployment.Id, DeploymentName = name, Kind = OperationKind.Deploy, Revision = 1, RequestedBy = "test", RequestedAt = now,
        };
        return (deployment, operation);
    }

    private static Operation OldOperation(string name, DateTimeOffset at, OperationOutcome outcome) => new()
    {
        DeploymentId = Guid.NewGuid(), DeploymentName = name, Kind = OperationKind.Deploy, RequestedBy = "test", RequestedAt = at, Outcome = outcome,
    };
}

public sealed class SqlitePersistenceTests : PersistenceContract
{
    protected override Task<DatabaseOptions> NewDatabaseAsync() =>
        Task.FromResult(new DatabaseOptions { Provider = "Sqlite", ConnectionString = $"Data Source={PortalAppFactory.NewDatabasePath()}" });
}

public sealed class PostgreSqlPersistenceTests(PostgreSqlServer postgres) : PersistenceContract, IClassFixture<PostgreSqlServer>
{
    protected override async Task<DatabaseOptions> NewDatabaseAsync() =>
        new() { Provider = "PostgreSql", ConnectionString = await postgres.CreateDatabaseAsync(cancellationToken: Ct) };
}
