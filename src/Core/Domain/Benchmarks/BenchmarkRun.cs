using Portal.Domain.Deployments;

namespace Portal.Domain.Benchmarks;

/// <summary>
/// One benchmark run against a deployment, with the deployment's spec as it was when the run started (engine, tag,
/// model, GPUs, replicas, options), so the run stays comparable after the deployment changes or is gone.
/// </summary>
public sealed class BenchmarkRun
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public string DeploymentName { get; set; } = "";

    /// <summary>Not a foreign key: the run outlives the deployment.</summary>
    public Guid DeploymentId { get; set; }

    // Copied from the spec so lists can show and filter them without reading JSON.
    public string Framework { get; set; } = "";

    public string Model { get; set; } = "";

    /// <summary>The engine image tag the deployment ran (its own, or the profile's default at the time).</summary>
    public string ImageTag { get; set; } = "";

    public int Replicas { get; set; }

    public int GpusPerReplica { get; set; }

    public string? GpuType { get; set; }

    public DeploymentSpec Spec { get; set; } = new();

    public BenchmarkPlan Plan { get; set; } = new();

    public BenchmarkState State { get; set; } = BenchmarkState.Queued;

    /// <summary>Why the run failed or stopped, in words.</summary>
    public string? Reason { get; set; }

    public string RequestedBy { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>Set by a cancel; the runner (on whichever replica) stops within a second of seeing it.</summary>
    public bool CancelRequested { get; set; }

    public string? JobId { get; set; }

    /// <summary>The highest offered load among the steps that met the plan's SLO (a sweep's answer), when there was an SLO.</summary>
    public double? BestLevelMeetingSlo { get; set; }

    public List<BenchmarkStep> Steps { get; set; } = [];

    public int TotalGpus => Replicas * GpusPerReplica;

    public bool IsFinished => State is BenchmarkState.Succeeded or BenchmarkState.Failed or BenchmarkState.Cancelled;

    /// <summary>A short name of the configuration, for legends and tables: <c>vllm v0.33.0 · 1×1 GPU · qwen-chat</c>.</summary>
    public string Label => $"{Framework} {ImageTag} · {Replicas}×{GpusPerReplica} GPU · {DeploymentName}";
}
