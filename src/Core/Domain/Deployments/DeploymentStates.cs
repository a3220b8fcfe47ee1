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
}

public enum OperationOutcome
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
}
