namespace Portal.Domain.Capacity;

/// <summary>GPUs of one node: how many it offers and how many running or scheduled pods hold.</summary>
public sealed record NodeGpus(string Node, string? GpuProduct, long? GpuMemoryMiB, int Gpus, int InUse)
{
    public int Free => Math.Max(0, Gpus - InUse);
}

/// <summary>
/// The GPU capacity of the cluster; <see cref="Reachable"/> is false when the nodes could not be read.
/// <see cref="AllNamespaces"/> is false when only the managed namespaces' pods could be counted (namespace-scoped
/// RBAC): GPUs held in other namespaces then look free.
/// </summary>
public sealed record ClusterCapacity(IReadOnlyList<NodeGpus> Nodes, bool Reachable, bool AllNamespaces = true)
{
    public static ClusterCapacity Unknown { get; } = new([], false);

    public int TotalGpus => Nodes.Sum(n => n.Gpus);

    public int FreeGpus => Nodes.Sum(n => n.Free);

    /// <summary>Replicas of <paramref name="gpusPerReplica"/> GPUs each that fit on the free GPUs now (each replica on one node).</summary>
    public int ReplicasThatFitNow(int gpusPerReplica) =>
        gpusPerReplica <= 0 ? int.MaxValue : Nodes.Sum(n => n.Free / gpusPerReplica);

    /// <summary>Replicas that fit on an empty cluster: beyond this, pods can never all be scheduled.</summary>
    public int ReplicasThatEverFit(int gpusPerReplica) =>
        gpusPerReplica <= 0 ? int.MaxValue : Nodes.Sum(n => n.Gpus / gpusPerReplica);
}
