using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Portal.Domain.Manifests;

/// <summary>KEDA's <c>keda.sh/v1alpha1</c> ScaledObject, with the fields the portal sets.</summary>
[KubernetesEntity(Group = KubeGroup, Kind = KubeKind, ApiVersion = KubeApiVersion, PluralName = KubePluralName)]
public sealed class KedaScaledObject : IKubernetesObject<V1ObjectMeta>, ISpec<KedaScaledObjectSpec>
{
    public const string KubeGroup = "keda.sh";
    public const string KubeApiVersion = "v1alpha1";
    public const string KubeKind = "ScaledObject";
    public const string KubePluralName = "scaledobjects";

    /// <summary>Key for <see cref="KubernetesYaml.LoadAllFromString"/>'s type map.</summary>
    public const string TypeMapKey = KubeGroup + "/" + KubeApiVersion + "/" + KubeKind;

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = KubeGroup + "/" + KubeApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public KedaScaledObjectSpec Spec { get; set; } = new();
}

public sealed class KedaScaledObjectSpec
{
    [JsonPropertyName("scaleTargetRef")]
    public KedaScaleTargetRef ScaleTargetRef { get; set; } = new();

    [JsonPropertyName("pollingInterval")]
    public int? PollingInterval { get; set; }

    [JsonPropertyName("cooldownPeriod")]
    public int? CooldownPeriod { get; set; }

    [JsonPropertyName("minReplicaCount")]
    public int? MinReplicaCount { get; set; }

    [JsonPropertyName("maxReplicaCount")]
    public int? MaxReplicaCount { get; set; }

    [JsonPropertyName("advanced")]
    public KedaAdvanced? Advanced { get; set; }

    [JsonPropertyName("triggers")]
    public IList<KedaTrigger> Triggers { get; set; } = [];
}

/// <summary>KEDA's <c>spec.advanced</c>: the settings it passes on to the HPA it creates.</summary>
public sealed class KedaAdvanced
{
    [JsonPropertyName("horizontalPodAutoscalerConfig")]
    public KedaHpaConfig? HorizontalPodAutoscalerConfig { get; set; }
}

public sealed class KedaHpaConfig
{
    [JsonPropertyName("behavior")]
    public V2HorizontalPodAutoscalerBehavior? Behavior { get; set; }
}

public sealed class KedaScaleTargetRef
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

public sealed class KedaTrigger
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    /// <summary>The trigger's name, shown in KEDA's events and conditions.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary><c>AverageValue</c> (KEDA's default), <c>Value</c>, or for resource triggers (cpu) <c>Utilization</c>.</summary>
    [JsonPropertyName("metricType")]
    public string? MetricType { get; set; }

    /// <summary>Trigger settings; KEDA wants every value as a string.</summary>
    [JsonPropertyName("metadata")]
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();
}
