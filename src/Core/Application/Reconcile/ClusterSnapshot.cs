using k8s.Models;

namespace Portal.Application.Reconcile;

/// <summary>Everything the portal manages in its namespaces, read with one list call per kind per namespace.</summary>
public sealed class ClusterSnapshot
{
    private readonly Dictionary<(string Ns, string Name), DeploymentObjects> _byDeployment = [];

    public int ListCalls { get; init; }

    public IReadOnlyCollection<DeploymentObjects> Deployments => _byDeployment.Values;

    /// <summary>The objects of one deployment; empty (not null) when the cluster has none.</summary>
    public DeploymentObjects For(string ns, string name) =>
        _byDeployment.TryGetValue((ns, name), out var objects) ? objects : new DeploymentObjects(ns, name);

    /// <summary>The objects of one deployment, added when new; for readers building a snapshot.</summary>
    public DeploymentObjects Entry(string ns, string name)
    {
        if (!_byDeployment.TryGetValue((ns, name), out var objects))
        {
            objects = new DeploymentObjects(ns, name);
            _byDeployment[(ns, name)] = objects;
        }

        return objects;
    }
}

public sealed class DeploymentObjects(string ns, string name)
{
    public string Namespace { get; } = ns;

    public string Name { get; } = name;

    public V1StatefulSet? StatefulSet { get; set; }

    public V1Service? Service { get; set; }

    public bool HasHpa { get; set; }

    public bool HasScaledObject { get; set; }

    public List<V1Pod> Pods { get; } = [];

    /// <summary>Events about the StatefulSet and its pods, newest first.</summary>
    public List<Corev1Event> Events { get; } = [];

    public bool IsEmpty => StatefulSet is null && Service is null && Pods.Count == 0 && !HasHpa && !HasScaledObject;
}
