using System.Globalization;

namespace Portal.Domain.Capacity;

public enum CapacitySeverity
{
    /// <summary>Some replicas must wait for GPUs to free up.</summary>
    Warning,

    /// <summary>Some replicas can never be scheduled on this cluster.</summary>
    Impossible,
}

/// <summary>
/// That the requested GPUs do not fit the cluster, now or ever, in words an operator acts on (the API accepts
/// such specs; the pods stay Pending with FailedScheduling).
/// </summary>
public sealed record CapacityWarning(CapacitySeverity Severity, string Message)
{
    /// <summary>Null when the replicas fit the free GPUs now, or when the cluster's GPUs are unknown.</summary>
    public static CapacityWarning? For(ClusterCapacity capacity, int replicas, int gpusPerReplica)
    {
        if (!capacity.Reachable || gpusPerReplica < 1 || replicas < 1 || capacity.Nodes.Count == 0)
        {
            return null;
        }

        var wanted = Plural(replicas, "replica") + " × " + Plural(gpusPerReplica, "GPU") + " = " + Plural(replicas * gpusPerReplica, "GPU");
        var ever = capacity.ReplicasThatEverFit(gpusPerReplica);
        if (replicas > ever)
        {
            var largest = capacity.Nodes.Max(n => n.Gpus);
            return new CapacityWarning(CapacitySeverity.Impossible,
                $"This cannot run on this cluster: {wanted}, but its {Plural(capacity.Nodes.Count, "GPU node")} hold {Plural(capacity.TotalGpus, "GPU")} " +
                $"(at most {largest} on one node), room for {Plural(ever, "replica")} of {Plural(gpusPerReplica, "GPU")}. " +
                $"{Plural(replicas - ever, "pod")} would stay Pending with FailedScheduling “Insufficient nvidia.com/gpu”.");
        }

        var now = capacity.ReplicasThatFitNow(gpusPerReplica);
        if (replicas > now)
        {
            return new CapacityWarning(CapacitySeverity.Warning,
                (now == 0 ? $"No replica of {Plural(gpusPerReplica, "GPU")} fits" : $"Only {Plural(now, "replica")} of {Plural(gpusPerReplica, "GPU")} {(now == 1 ? "fits" : "fit")}") +
                $" on the {Plural(capacity.FreeGpus, "free GPU")} now ({wanted} wanted); " +
                "the others stay Pending until other deployments free their GPUs.");
        }

        return null;
    }

    private static string Plural(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
