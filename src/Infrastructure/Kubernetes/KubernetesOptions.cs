using System.ComponentModel.DataAnnotations;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>Configuration section <c>Kubernetes</c>: which cluster, which namespaces, how pods are reached.</summary>
public sealed class KubernetesOptions
{
    public const string Section = "Kubernetes";

    /// <summary>The one field manager of every server-side apply.</summary>
    public const string FieldManager = "inference-portal";

    /// <summary>Kubeconfig file; empty means <c>KUBECONFIG</c>, then <c>~/.kube/config</c>, then in-cluster config.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Kubeconfig context; empty means the file's current context.</summary>
    public string? Context { get; set; }

    /// <summary>Namespaces the portal may deploy to and reconciles. Empty means only <c>default</c>.</summary>
    public List<string> Namespaces { get; set; } = [];

    /// <summary>Whether the portal may create a namespace that does not exist yet.</summary>
    public bool CreateNamespaces { get; set; }

    /// <summary>How the portal reaches engine pods (playground, gateway, model pulls).</summary>
    public ServiceAccessMode ServiceAccess { get; set; } = ServiceAccessMode.PodIp;

    [Range(1, 600)]
    public int RequestTimeoutSeconds { get; set; } = 30;

    public IReadOnlyList<string> ManagedNamespaces => Namespaces.Count > 0 ? Namespaces : ["default"];
}

public enum ServiceAccessMode
{
    /// <summary>Straight to the pod IP: the portal runs inside the cluster (or pod IPs are routable to it).</summary>
    PodIp,

    /// <summary>Through the API server's pod proxy subresource: the portal runs outside the cluster.</summary>
    ApiServerProxy,
}
