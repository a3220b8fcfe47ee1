namespace Portal.Application.Deployments;

/// <summary>The namespaces the portal deploys to and reconciles (configuration <c>Kubernetes:Namespaces</c>).</summary>
public sealed class NamespaceOptions
{
    public const string Section = "Kubernetes";

    /// <summary>Empty means only <c>default</c>.</summary>
    public List<string> Namespaces { get; set; } = [];

    public IReadOnlyList<string> Managed => Namespaces.Count > 0 ? Namespaces : ["default"];
}
