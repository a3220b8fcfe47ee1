using Portal.Domain.Capacity;

namespace Portal.Application.Ports;

/// <summary>One pod of a deployment as the deployment page lists it.</summary>
public sealed record PodInfo(
    string Name,
    string Phase,
    bool Ready,
    int Restarts,
    string? Node,
    int Gpus,
    string? GpuProduct,
    string? PodIp,
    DateTimeOffset? CreatedAt,
    bool Terminating,
    string? Reason,
    string? Message,
    DateTimeOffset? ScheduledAt = null,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? ReadyAt = null)
{
    /// <summary>What a person reads in the status column: the waiting/termination reason when there is one, else the phase.</summary>
    public string Status => Terminating ? "Terminating" : Reason ?? Phase;
}

/// <summary>A Kubernetes event about one of a deployment's objects.</summary>
public sealed record EventInfo(
    string Type,
    string Reason,
    string Message,
    string ObjectKind,
    string ObjectName,
    int Count,
    DateTimeOffset? LastSeen)
{
    public bool IsWarning => Type == "Warning";
}

/// <summary>
/// Reads what one deployment looks like on the cluster for the deployment page (pods, events, logs) and the
/// cluster's GPU capacity for the wizard. Read-only: every change goes through the deployment commands.
/// </summary>
public interface IClusterInspector
{
    Task<IReadOnlyList<PodInfo>> PodsAsync(string ns, string name, CancellationToken cancellationToken);

    /// <summary>Events about the deployment's StatefulSet, Service, autoscaler, pods and model-cache claims, newest first.</summary>
    Task<IReadOnlyList<EventInfo>> EventsAsync(string ns, string name, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="tailLines"/> lines of a pod's engine container.</summary>
    Task<IReadOnlyList<string>> LogTailAsync(string ns, string pod, int tailLines, CancellationToken cancellationToken);

    /// <summary>
    /// The last <paramref name="tailLines"/> lines the engine container wrote before it last stopped: the kubelet keeps
    /// the previous container's log (<c>kubectl logs --previous</c>), which says why a crash-looping pod crashes.
    /// </summary>
    Task<IReadOnlyList<string>> PreviousLogTailAsync(string ns, string pod, int tailLines, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="tailLines"/> lines, then every new line until cancelled or the container stops.</summary>
    IAsyncEnumerable<string> FollowLogAsync(string ns, string pod, int tailLines, CancellationToken cancellationToken);

    /// <summary>GPUs per node and how many pods hold; <see cref="ClusterCapacity.Unknown"/> when the cluster cannot be read.</summary>
    Task<ClusterCapacity> CapacityAsync(CancellationToken cancellationToken);
}
