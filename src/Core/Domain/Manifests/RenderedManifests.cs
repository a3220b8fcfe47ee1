using k8s.Models;

namespace Portal.Domain.Manifests;

/// <summary>The Kubernetes objects of one deployment, as typed KubernetesClient objects.</summary>
public sealed record RenderedManifests(
    V1Service Service,
    V1StatefulSet StatefulSet,
    V2HorizontalPodAutoscaler? Hpa,
    KedaScaledObject? ScaledObject)
{
    /// <summary>Every object in apply order: the Service, the workload, then its autoscaler.</summary>
    public IEnumerable<object> All
    {
        get
        {
            yield return Service;
            yield return StatefulSet;
            if (Hpa is not null)
            {
                yield return Hpa;
            }

            if (ScaledObject is not null)
            {
                yield return ScaledObject;
            }
        }
    }
}
