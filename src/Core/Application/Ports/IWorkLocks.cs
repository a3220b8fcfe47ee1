namespace Portal.Application.Ports;

/// <summary>Mutual exclusion that holds across every portal replica sharing the job storage.</summary>
public interface IWorkLocks
{
    /// <summary>Waits for the deployment's lock: two jobs for one deployment never run at once.</summary>
    IDisposable AcquireDeployment(Guid deploymentId);

    /// <summary>The lock of the reconcile pass, or null when another replica holds it (that pass does the same work).</summary>
    IDisposable? TryAcquireReconcile();
}
