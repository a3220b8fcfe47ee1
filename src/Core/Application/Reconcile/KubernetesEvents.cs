using k8s.Models;

namespace Portal.Application.Reconcile;

/// <summary>
/// When an event last happened and how often, whichever API recorded it. core/v1 recorders (kubelet, controllers)
/// set <c>lastTimestamp</c> and <c>count</c>; events.k8s.io/v1 recorders (kube-scheduler) set <c>eventTime</c> once
/// and count repeats in <c>series</c> (client-go tools/events, see src/Simulator/FIDELITY.md), so a repeated
/// FailedScheduling is only as new as its series says.
/// </summary>
public static class KubernetesEvents
{
    public static DateTime LastSeen(Corev1Event e) =>
        e.Series?.LastObservedTime ?? e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata?.CreationTimestamp ?? DateTime.MinValue;

    public static int Count(Corev1Event e) => e.Series?.Count ?? e.Count ?? 1;
}
