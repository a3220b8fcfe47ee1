namespace Portal.Domain.Deployments;

/// <summary>One entry of the audit log: who asked for what, when, and how it ended.</summary>
public sealed class Operation
{
    public long Id { get; set; }

    /// <summary>Not a foreign key: the log outlives the deployment it speaks of.</summary>
    public Guid DeploymentId { get; set; }

    public string DeploymentName { get; set; } = "";

    public OperationKind Kind { get; set; }

    /// <summary>Why the operation was started when no person asked for it (drift, lost work), in words.</summary>
    public string? Reason { get; set; }

    /// <summary>Details of the request, for example the replica count of a scale.</summary>
    public string? Parameters { get; set; }

    public long Revision { get; set; }

    public string RequestedBy { get; set; } = "";

    public DateTimeOffset RequestedAt { get; set; }

    public string? JobId { get; set; }

    public OperationOutcome Outcome { get; set; } = OperationOutcome.Pending;

    public int Attempts { get; set; }

    public string? Message { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}
