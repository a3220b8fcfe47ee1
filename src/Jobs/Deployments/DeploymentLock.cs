using Hangfire;

namespace Portal.Jobs.Deployments;

/// <summary>
/// Mutual exclusion per deployment, held in Hangfire's storage so it also holds across
/// portal replicas sharing PostgreSQL: two jobs for one deployment never run at once.
/// </summary>
public sealed class DeploymentLock(JobStorage storage)
{
    private static readonly TimeSpan WaitAtMost = TimeSpan.FromMinutes(10);

    public IDisposable Acquire(Guid deploymentId)
    {
        var connection = storage.GetConnection();
        try
        {
            var handle = connection.AcquireDistributedLock($"portal:deployment:{deploymentId:N}", WaitAtMost);
            return new Held(connection, handle);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private sealed class Held(IDisposable connection, IDisposable handle) : IDisposable
    {
        public void Dispose()
        {
            handle.Dispose();
            connection.Dispose();
        }
    }
}
