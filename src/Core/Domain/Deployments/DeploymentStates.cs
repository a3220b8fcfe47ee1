namespace Portal.Domain.Deployments;

/// <summary>What the operator wants; the database is the truth of it.</summary>
public enum DesiredState
{
    Running,
    Stopped,
    Deleted,
}

/// <summary>What the cluster shows, as last read back by reconcile or a job.</summary>
public enum ObservedState
{
    Pending,
    Deploying,
    Ready,
    Degraded,
    Failed,
    Scaling,
    Stopped,
    Deleting,

    /// <summary>Scaled to zero by its autoscaler (KEDA, minimum 0); the next request wakes it.</summary>
    Idle,
}

public enum OperationKind
{
    Deploy,
    Scale,
    Stop,
    Start,
    Delete,
    Reconcile,
    PullModel,

    /// <summary>Activates a deployment scaled to zero because a request is waiting for it.</summary>
    Wake,
}

public enum OperationOutcome
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
}
