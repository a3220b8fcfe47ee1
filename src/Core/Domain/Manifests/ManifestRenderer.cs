using k8s.Models;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Domain.Manifests;

/// <summary>Turns a deployment spec into the Kubernetes objects that run it.</summary>
public static class ManifestRenderer
{
    /// <summary>Name of the StatefulSet's volume claim template for the model cache: claims are <c>model-cache-{name}-{ordinal}</c>.</summary>
    public const string ModelCacheVolume = "model-cache";

    /// <summary>
    /// Renders the objects of <paramref name="spec"/> at <paramref name="revision"/>.
    /// Throws <see cref="InvalidDeploymentSpecException"/> for a spec that does not validate:
    /// nothing invalid reaches a manifest.
    /// </summary>
    public static RenderedManifests Render(DeploymentSpec spec, long revision, RenderOptions? options = null, ClusterLimits? limits = null)
    {
        DeploymentSpecValidator.EnsureValid(spec, limits);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        options ??= RenderOptions.Default;
        var profile = EngineProfiles.Get(spec.Framework);
        return new RenderedManifests(
            Service(spec, profile),
            StatefulSetRenderer.Render(spec, profile, revision, options),
            AutoscalerRenderer.Hpa(spec, profile),
            AutoscalerRenderer.ScaledObject(spec, profile, options));
    }

    /// <summary>The Service named like the deployment; its port has the engine's number and is named <c>http</c>.</summary>
    private static V1Service Service(DeploymentSpec spec, EngineProfile profile) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = spec.Name, NamespaceProperty = spec.Namespace, Labels = PortalLabels.For(spec) },
        Spec = new V1ServiceSpec
        {
            Type = spec.ServiceType.ToString(),
            Selector = PortalLabels.SelectorLabels(spec.Name),
            Ports =
            [
                new V1ServicePort
                {
                    Name = StatefulSetRenderer.ContainerPortName,
                    Port = profile.ContainerPort,
                    TargetPort = StatefulSetRenderer.ContainerPortName,
                    Protocol = "TCP",
                },
            ],
        },
    };
}
