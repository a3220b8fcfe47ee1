namespace Portal.Simulator.Api;

/// <summary>One kind the API server serves, as discovery describes it.</summary>
internal sealed record ResourceType(
    string Group,
    string Version,
    string Kind,
    string Plural,
    bool Namespaced,
    string[] ShortNames,
    string[] Subresources,
    bool TracksGeneration = false,
    ResourceType? StoredAs = null)
{
    /// <summary>The kind whose objects this one serves: itself, or another version of the same objects (events.k8s.io/v1 Events are core Events).</summary>
    public ResourceType Storage => StoredAs ?? this;

    public string Singular => Kind.ToLowerInvariant();

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>The name used in error messages: "pods", "statefulsets.apps".</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The kind used in validation messages: "Pod", "StatefulSet.apps".</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public bool HasStatus => Subresources.Contains("status");

    public bool HasScale => Subresources.Contains("scale");

    public string[] Verbs => Plural switch
    {
        "nodes" => ["get", "list", "watch"],
        _ => ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    };
}

/// <summary>The kinds this API server knows, looked up by group, version and plural.</summary>
internal static class ResourceTypes
{
    public static readonly ResourceType Namespaces = new("", "v1", "Namespace", "namespaces", false, ["ns"], ["status", "finalize"]);
    public static readonly ResourceType Nodes = new("", "v1", "Node", "nodes", false, ["no"], ["status", "proxy"]);
    public static readonly ResourceType Pods = new("", "v1", "Pod", "pods", true, ["po"], ["status", "log", "proxy"]);
    public static readonly ResourceType Services = new("", "v1", "Service", "services", true, ["svc"], ["status", "proxy"]);
    public static readonly ResourceType PersistentVolumeClaims = new("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, ["pvc"], ["status"]);
    public static readonly ResourceType Secrets = new("", "v1", "Secret", "secrets", true, [], []);
    public static readonly ResourceType ConfigMaps = new("", "v1", "ConfigMap", "configmaps", true, ["cm"], []);
    public static readonly ResourceType Events = new("", "v1", "Event", "events", true, ["ev"], []);
    public static readonly ResourceType EventsV1 = new("events.k8s.io", "v1", "Event", "events", true, ["ev"], [], StoredAs: Events);
    public static readonly ResourceType Endpoints = new("", "v1", "Endpoints", "endpoints", true, ["ep"], []);
    public static readonly ResourceType EndpointSlices = new("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, [], []);
    public static readonly ResourceType StatefulSets = new("apps", "v1", "StatefulSet", "statefulsets", true, ["sts"], ["status", "scale"], TracksGeneration: true);
    public static readonly ResourceType Deployments = new("apps", "v1", "Deployment", "deployments", true, ["deploy"], ["status", "scale"], TracksGeneration: true);
    public static readonly ResourceType HorizontalPodAutoscalers = new("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, ["hpa"], ["status"], TracksGeneration: true);
    public static readonly ResourceType ScaledObjects = new("keda.sh", "v1alpha1", "ScaledObject", "scaledobjects", true, ["so"], ["status"], TracksGeneration: true);

    public static readonly IReadOnlyList<ResourceType> All =
    [
        Namespaces, Nodes, Pods, Services, PersistentVolumeClaims, Secrets, ConfigMaps, Events, Endpoints,
        StatefulSets, Deployments, HorizontalPodAutoscalers, ScaledObjects, EndpointSlices, EventsV1,
    ];

    /// <summary>Group versions in the order discovery lists them (preferred first within a group).</summary>
    public static IEnumerable<(string Group, string Version)> GroupVersions =>
        All.Where(t => t.Group.Length > 0).Select(t => (t.Group, t.Version)).Distinct();

    public static ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    public static ResourceType? FindByKind(string apiVersion, string kind) =>
        All.FirstOrDefault(t => t.ApiVersion == apiVersion && t.Kind == kind);
}
