using Npgsql;
using Portal.Application.Ports;

namespace Portal.Jobs;

/// <summary>
/// The work locks as PostgreSQL session advisory locks: held by an open connection, so a replica that dies (even by
/// SIGKILL) lets go the moment its connections close, and no lock outlives its holder. Hangfire.PostgreSql's own
/// locks are rows that a dead holder leaves behind until they expire; these never do.
/// </summary>
public sealed class PostgreSqlWorkLocks(NpgsqlDataSource dataSource) : IWorkLocks
{
    /// <summary>The first key of every portal advisory lock ("PORT"), so other users of the database never collide.</summary>
    public const int PortalLockClass = 0x504F5254;

    public const int ReconcileLock = 1;

    private static readonly TimeSpan DeploymentWaitAtMost = TimeSpan.FromMinutes(10);

    public IDisposable AcquireDeployment(Guid deploymentId)
    {
        var connection = dataSource.OpenConnection();
        try
        {
            var key = DeploymentKey(deploymentId);
            using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand($"SELECT set_config('lock_timeout', '{(int)DeploymentWaitAtMost.TotalMilliseconds}', false)"),
                    new NpgsqlBatchCommand("SELECT pg_advisory_lock($1, $2)") { Parameters = { new() { Value = PortalLockClass }, new() { Value = key } } },
                },
            };
            batch.ExecuteNonQuery();
            return new Held(connection, key);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public IDisposable? TryAcquireReconcile()
    {
        var connection = dataSource.OpenConnection();
        try
        {
            using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", connection)
            {
                Parameters = { new() { Value = PortalLockClass }, new() { Value = ReconcileLock } },
            };
            if (command.ExecuteScalar() is true)
            {
                return new Held(connection, ReconcileLock);
            }

            connection.Dispose();
            return null;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A deployment's key: a hash of its id, far from the fixed keys (a rare collision only serialises two deployments' jobs).</summary>
    private static int DeploymentKey(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        var hash = BitConverter.ToInt32(bytes[..4]) ^ BitConverter.ToInt32(bytes[4..8]) ^ BitConverter.ToInt32(bytes[8..12]) ^ BitConverter.ToInt32(bytes[12..]);
        return hash is >= 0 and < 16 ? hash + 16 : hash;
    }

    private sealed class Held(NpgsqlConnection connection, int key) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", connection)
                {
                    Parameters = { new() { Value = PortalLockClass }, new() { Value = key } },
                };
                command.ExecuteNonQuery();
            }
            catch (NpgsqlException)
            {
                // The connection broke: the server released the lock with the session.
            }
            finally
            {
                connection.Dispose();
            }
        }
    }
}
