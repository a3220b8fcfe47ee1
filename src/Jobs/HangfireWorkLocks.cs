using Hangfire;
using Hangfire.Storage;
using Portal.Application.Ports;

namespace Portal.Jobs;

/// <summary>
/// Locks held in Hangfire's job storage, so they hold across every portal replica sharing it: two jobs for
/// one deployment never run at once, and one reconcile pass runs at a time.
/// </summary>
public sealed class HangfireWorkLocks(JobStorage storage) : IWorkLocks
{
    private static readonly TimeSpan DeploymentWaitAtMost = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan ReconcileWaitAtMost = TimeSpan.FromSeconds(5);

    public IDisposable AcquireDeployment(Guid deploymentId) =>
        Acquire($"portal:deployment:{deploymentId:N}", DeploymentWaitAtMost)!;

    public IDisposable? TryAcquireReconcile()
    {
        try
        {
            return Acquire("portal:reconcile", ReconcileWaitAtMost);
        }
        catch (DistributedLockTimeoutException)
        {
            return null;
        }
    }

    private IDisposable Acquire(string resource, TimeSpan timeout)
    {
        var connection = storage.GetConnection();
        try
        {
            return new Held(connection, connection.AcquireDistributedLock(resource, timeout));
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
