using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Portal.Infrastructure.Persistence;

/// <summary>
/// Brings the portal database up to date at start-up, exactly once however many replicas start at the same moment:
/// on PostgreSQL the migrations (and whatever else must happen once, like installing the job tables and seeding
/// the first admin) run under a session advisory lock, so a second replica waits and then finds nothing to do.
/// EF Core applies each migration in a transaction, so a failure leaves nothing half-migrated.
/// </summary>
public sealed partial class PortalDatabaseInitializer(
    IDbContextFactory<PortalDb> dbFactory,
    IOptions<DatabaseOptions> options,
    ILogger<PortalDatabaseInitializer> logger)
{
    /// <summary>The portal's start-up lock: one 64-bit advisory key ("PORTMIGR"), a key space apart from the work locks' two-int keys.</summary>
    public const long StartupLockKey = 0x504F52544D494752;

    /// <summary>Migrates, then runs <paramref name="thenOnce"/>, all under the start-up lock.</summary>
    /// <exception cref="PortalDatabaseException">the database cannot be reached or migrated; the message says where and what to fix.</exception>
    public async Task InitializeAsync(Func<CancellationToken, Task> thenOnce, CancellationToken cancellationToken)
    {
        var database = options.Value;
        if (database.Kind == DatabaseProvider.Sqlite)
        {
            EnsureSqliteDirectoryExists(database.ConnectionString);
            await MigrateAsync(database, cancellationToken);
            await thenOnce(cancellationToken);
            return;
        }

        await using var connection = await OpenAsync(database, cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { Parameters = { new() { Value = StartupLockKey } } })
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        LogLocked(database.Describe());
        try
        {
            await MigrateAsync(database, cancellationToken);
            await thenOnce(cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = StartupLockKey } } };
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task MigrateAsync(DatabaseOptions database, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                LogMigrating(pending.Count, string.Join(", ", pending));
                await db.Database.MigrateAsync(cancellationToken);
            }

            if (database.Kind == DatabaseProvider.Sqlite)
            {
                // WAL lets pages read while a job writes.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
        }
        catch (Exception e) when (PortalDatabaseException.IsDatabaseFailure(e))
        {
            throw PortalDatabaseException.From(database, e);
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(DatabaseOptions database, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(database.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception e) when (PortalDatabaseException.IsDatabaseFailure(e) || e is TimeoutException)
        {
            await connection.DisposeAsync();
            throw PortalDatabaseException.From(database, e);
        }
    }

    private static void EnsureSqliteDirectoryExists(string connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(directory) && dataSource != ":memory:")
        {
            Directory.CreateDirectory(directory);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Holding the start-up lock of {Database}")]
    private partial void LogLocked(string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} migration(s): {Migrations}")]
    private partial void LogMigrating(int count, string migrations);
}
