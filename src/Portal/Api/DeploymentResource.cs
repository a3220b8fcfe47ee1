using Portal.Domain.Deployments;

namespace Portal.Api;

/// <summary>
/// A deployment as the REST API returns it: its spec (the same fields a POST or PUT takes) plus
/// what the portal knows of it now. Reading one back and PUTting it again changes nothing.
/// </summary>
public sealed record DeploymentResource : DeploymentSpec
{
    public DeploymentResource()
    {
    }

    private DeploymentResource(DeploymentSpec spec)
        : base(spec)
    {
    }

    public string State { get; init; } = "";

    public string DesiredState { get; init; } = "";

    public int ReadyReplicas { get; init; }

    public int DesiredReplicas { get; init; }

    public int Restarts { get; init; }

    public long Revision { get; init; }

    public string? LastError { get; init; }

    public string? LastEvent { get; init; }

    /// <summary>Differences reconcile found between the cluster and the spec (drift policy "report").</summary>
    public string? Drift { get; init; }

    /// <summary>Model download progress for engines that pull after start (Ollama), 0–100.</summary>
    public double? PullPercent { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public static DeploymentResource From(Deployment d) => new(d.Spec)
    {
        State = d.ObservedState.ToString().ToLowerInvariant(),
        DesiredState = d.DesiredState.ToString().ToLowerInvariant(),
        ReadyReplicas = d.ReadyReplicas,
        DesiredReplicas = d.DesiredReplicas,
        Restarts = d.Restarts,
        Revision = d.Revision,
        LastError = d.LastError,
        LastEvent = d.LastEvent,
        Drift = d.Drift,
        PullPercent = d.PullPercent,
        CreatedAt = d.CreatedAt,
        UpdatedAt = d.UpdatedAt,
    };
}

public sealed record ScaleRequest(int Replicas);

public sealed record OperationResource(
    long Id,
    string Kind,
    long Revision,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    string Outcome,
    int Attempts,
    string? Reason,
    string? Message,
    string? JobId,
    DateTimeOffset? FinishedAt)
{
    public static OperationResource From(Operation o) => new(
        o.Id, o.Kind.ToString().ToLowerInvariant(), o.Revision, o.RequestedBy, o.RequestedAt,
        o.Outcome.ToString().ToLowerInvariant(), o.Attempts, o.Reason, o.Message, o.JobId, o.FinishedAt);
}

public sealed record CreateApiKeyRequest(string? Name);
