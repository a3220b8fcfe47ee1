namespace Portal.Domain.Deployments;

/// <summary>
/// A deployment as the portal stores it: the spec and desired state (what is wanted)
/// beside the observed state read back from the cluster (what is).
/// </summary>
public sealed class Deployment
{
    public Guid Id { get; set; } = Guid.NewGuid();

    // Copied from the spec so lists can filter and sort without reading JSON.
    public string Name { get; set; } = "";

    public string Namespace { get; set; } = "";

    public string Framework { get; set; } = "";

    public string Model { get; set; } = "";

    public DeploymentSpec Spec { get; private set; } = new();

    public DesiredState DesiredState { get; set; } = DesiredState.Running;

    /// <summary>Increases with every change of spec or desired state; jobs carry the revision they apply.</summary>
    public long Revision { get; set; } = 1;

    /// <summary>The last revision a job applied to the cluster; below <see cref="Revision"/> means work is outstanding.</summary>
    public long AppliedRevision { get; set; }

    public ObservedState ObservedState { get; set; } = ObservedState.Pending;

    public int ReadyReplicas { get; set; }

    public int Restarts { get; set; }

    /// <summary>The last meaningful cluster event, for example a FailedScheduling message.</summary>
    public string? LastEvent { get; set; }

    public string? LastError { get; set; }

    /// <summary>Model download progress (Ollama pulls), 0–100, null when not pulling.</summary>
    public double? PullPercent { get; set; }

    public long? PullCompletedBytes { get; set; }

    public long? PullTotalBytes { get; set; }

    /// <summary>The model tag the engine pods have pulled (Ollama), and on how many pods.</summary>
    public string? PulledModel { get; set; }

    public int PulledReplicas { get; set; }

    /// <summary>What reconcile found different on the cluster, when the drift policy is to report it.</summary>
    public string? Drift { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When reconcile last saw the observed state change (first observation included); a steady deployment keeps it.</summary>
    public DateTimeOffset? ObservedAt { get; set; }

    /// <summary>Optimistic concurrency: changes on every save, a stale write fails.</summary>
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();

    /// <summary>Replicas the operator wants running now: zero when stopped.</summary>
    public int DesiredReplicas => DesiredState == DesiredState.Running ? Spec.Replicas : 0;

    /// <summary>The spec as it should be applied now: a stopped deployment runs no replicas and no autoscaler.</summary>
    public DeploymentSpec EffectiveSpec => DesiredState == DesiredState.Running
        ? Spec
        : Spec with { Replicas = 0, Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Off } };

    /// <summary>The ETag of the stored row: changes with every change of spec or desired state.</summary>
    public string ETag => $"\"{ConcurrencyStamp:N}\"";

    public void SetSpec(DeploymentSpec spec)
    {
        Spec = spec;
        Name = spec.Name;
        Namespace = spec.Namespace;
        Framework = spec.Framework;
        Model = spec.Model;
    }
}
