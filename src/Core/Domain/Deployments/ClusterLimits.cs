namespace Portal.Domain.Deployments;

/// <summary>What the target cluster can hold; validation rejects specs beyond it.</summary>
public sealed record ClusterLimits
{
    public static ClusterLimits Default { get; } = new();

    /// <summary>GPUs one node offers; a replica's GPUs must fit on one node.</summary>
    public int MaxGpusPerNode { get; init; } = 8;

    /// <summary>GPU products (node label <c>nvidia.com/gpu.product</c>) present; null or empty when unknown.</summary>
    public IReadOnlyList<string>? KnownGpuTypes { get; init; }

    /// <summary>Upper bound on replicas and autoscaling maximums.</summary>
    public int MaxReplicas { get; init; } = 64;
}
