using System.Globalization;
using Portal.Domain.Deployments;

namespace Portal.Domain.Manifests;

/// <summary>The labels and annotations on everything the portal renders, and the selectors built on them.</summary>
public static class PortalLabels
{
    /// <summary>The framework id (<c>vllm</c>, <c>sglang</c>, <c>ollama</c>).</summary>
    public const string Name = "app.kubernetes.io/name";

    /// <summary>The deployment name.</summary>
    public const string Instance = "app.kubernetes.io/instance";

    public const string ManagedBy = "app.kubernetes.io/managed-by";

    public const string Component = "app.kubernetes.io/component";

    public const string Framework = "inference-portal.io/framework";

    public const string ManagedByValue = "inference-portal";

    public const string ComponentValue = "inference";

    /// <summary>Annotation on the StatefulSet: the deployment revision it was rendered from.</summary>
    public const string RevisionAnnotation = "inference-portal.io/revision";

    /// <summary>Label selector for everything the portal manages.</summary>
    public const string ManagedSelector = ManagedBy + "=" + ManagedByValue;

    public const string ScrapeAnnotation = "prometheus.io/scrape";

    public const string ScrapePortAnnotation = "prometheus.io/port";

    public const string ScrapePathAnnotation = "prometheus.io/path";

    /// <summary>Node label of the GPU product, set by NVIDIA GPU feature discovery.</summary>
    public const string GpuProductNodeLabel = "nvidia.com/gpu.product";

    public const string GpuResource = "nvidia.com/gpu";

    /// <summary>All labels of one deployment's objects and pods.</summary>
    public static Dictionary<string, string> For(DeploymentSpec spec) => new()
    {
        [Name] = spec.Framework,
        [Instance] = spec.Name,
        [ManagedBy] = ManagedByValue,
        [Component] = ComponentValue,
        [Framework] = spec.Framework,
    };

    /// <summary>
    /// The pod selector of one deployment. It leaves the framework out: a StatefulSet's selector
    /// cannot change, and a deployment may change framework.
    /// </summary>
    public static Dictionary<string, string> SelectorLabels(string deploymentName) => new()
    {
        [Instance] = deploymentName,
        [ManagedBy] = ManagedByValue,
    };

    /// <summary>The same selector as a label-selector string for list and watch calls.</summary>
    public static string SelectorFor(string deploymentName) => $"{ManagedSelector},{Instance}={deploymentName}";

    public static string Revision(long revision) => revision.ToString(CultureInfo.InvariantCulture);
}
