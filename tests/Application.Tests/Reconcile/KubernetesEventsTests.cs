using k8s.Models;
using Portal.Application.Reconcile;

namespace Portal.Application.Tests.Reconcile;

public sealed class KubernetesEventsTests
{
    private static readonly DateTime T0 = new(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_scheduler_event_is_as_new_as_its_series_and_counts_its_repeats()
    {
        // kube-scheduler records through events.k8s.io/v1: eventTime once, repeats in series (no lastTimestamp, no count).
        var scheduling = new Corev1Event { EventTime = T0, Series = new Corev1EventSeries { Count = 5, LastObservedTime = T0.AddSeconds(60) } };
        var kubelet = new Corev1Event { FirstTimestamp = T0, LastTimestamp = T0.AddSeconds(30), Count = 2 };

        Assert.Equal(T0.AddSeconds(60), KubernetesEvents.LastSeen(scheduling));
        Assert.Equal(5, KubernetesEvents.Count(scheduling));
        Assert.Equal((T0.AddSeconds(30), 2), (KubernetesEvents.LastSeen(kubelet), KubernetesEvents.Count(kubelet)));
        Assert.Equal([scheduling, kubelet], new[] { kubelet, scheduling }.OrderByDescending(KubernetesEvents.LastSeen));
    }

    [Fact]
    public void An_event_seen_once_counts_one()
    {
        Assert.Equal(1, KubernetesEvents.Count(new Corev1Event { EventTime = T0 }));
        Assert.Equal(T0, KubernetesEvents.LastSeen(new Corev1Event { EventTime = T0 }));
    }
}
