using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Domain.Manifests;

/// <summary>
/// Exports a deployment as a values file for <c>deploy/helm/model-serving</c>, for GitOps users.
/// The values come from the same render as the portal's own manifests; the chart supplies
/// the framework's image, port, command, base arguments and probes from its <c>engines</c> table.
/// </summary>
public static class HelmValuesExporter
{
    public const string ChartPath = "deploy/helm/model-serving";

    /// <summary>values.yaml for the chart; throws <see cref="InvalidDeploymentSpecException"/> for an invalid spec.</summary>
    public static string Export(DeploymentSpec spec, RenderOptions? options = null)
    {
        var manifests = ManifestRenderer.Render(spec, revision: 0, options);
        var profile = EngineProfiles.Get(spec.Framework);
        var header =
            $"# Values for {ChartPath}, exported by Inference Portal from deployment '{spec.Name}'.\n" +
            $"# helm upgrade --install {spec.Name} {ChartPath} --namespace {spec.Namespace} --create-namespace -f {spec.Name}-values.yaml\n";
        return header + KubernetesYaml.Serialize(Values(spec, profile, manifests));
    }

    /// <summary>The values as a tree of dictionaries, lists and scalars.</summary>
    public static Dictionary<string, object?> Values(DeploymentSpec spec, EngineProfile profile, RenderedManifests manifests)
    {
        var pod = manifests.StatefulSet.Spec.Template.Spec;
        var container = pod.Containers.Single();
        var values = new Dictionary<string, object?>
        {
            ["framework"] = spec.Framework,
            ["nameOverride"] = spec.Name,
            ["model"] = new Dictionary<string, object?> { ["name"] = spec.Model },
        };
        if (spec.ImageTag is not null)
        {
            values["image"] = new Dictionary<string, object?> { ["tag"] = spec.ImageTag };
        }

        values["replicaCount"] = spec.Replicas;
        values["args"] = profile.OperatorArgs(spec).ToList();
        values["env"] = profile.OperatorEnvironment(spec)
            .Select(e => new Dictionary<string, object?> { ["name"] = e.Key, ["value"] = e.Value })
            .ToList();
        if (spec.HuggingFaceTokenSecret is not null && profile.HuggingFaceTokenEnv is not null)
        {
            values["huggingFaceToken"] = new Dictionary<string, object?> { ["secretName"] = spec.HuggingFaceTokenSecret, ["secretKey"] = "token" };
        }

        values["resources"] = Resources(container.Resources);
        values["nodeSelector"] = pod.NodeSelector?.ToDictionary(l => l.Key, l => (object?)l.Value) ?? [];
        values["tolerations"] = Plain(pod.Tolerations ?? []);
        values["persistence"] = new Dictionary<string, object?>
        {
            ["enabled"] = spec.Persistence.Enabled,
            ["size"] = spec.Persistence.Size,
            ["storageClass"] = spec.Persistence.StorageClass ?? "",
        };
        var shm = profile.SharedMemorySize(spec);
        values["shm"] = shm is null
            ? new Dictionary<string, object?> { ["enabled"] = false }
            : new Dictionary<string, object?> { ["enabled"] = true, ["sizeLimit"] = shm };
        values["service"] = new Dictionary<string, object?> { ["type"] = spec.ServiceType.ToString() };
        values["autoscaling"] = Autoscaling(spec, manifests);
        return values;
    }

    private static Dictionary<string, object?> Resources(V1ResourceRequirements resources)
    {
        static Dictionary<string, object?> List(IDictionary<string, ResourceQuantity>? list) =>
            list?.ToDictionary(
                r => r.Key,
                // The chart's schema wants the GPU count as an integer, like the resources.limits."nvidia.com/gpu".
                r => r.Key == PortalLabels.GpuResource ? (object?)(int)r.Value.ToDecimal() : r.Value.ToString())
            ?? [];

        var limits = List(resources.Limits);
        // Helm merges maps: only an explicit null removes the chart's default of one GPU.
        limits.TryAdd(PortalLabels.GpuResource, null);
        return new Dictionary<string, object?> { ["requests"] = List(resources.Requests), ["limits"] = limits };
    }

    private static Dictionary<string, object?> Autoscaling(DeploymentSpec spec, RenderedManifests manifests)
    {
        var autoscaling = new Dictionary<string, object?>
        {
            ["mode"] = spec.Autoscaling.Mode switch
            {
                AutoscalingMode.Hpa => "hpa",
                AutoscalingMode.Keda => "keda",
                _ => "none",
            },
            ["minReplicas"] = spec.Autoscaling.MinReplicas,
            ["maxReplicas"] = spec.Autoscaling.MaxReplicas,
        };
        if (manifests.Hpa is { } hpa)
        {
            autoscaling["hpa"] = new Dictionary<string, object?> { ["metrics"] = Plain(hpa.Spec.Metrics) };
            if (hpa.Spec.Behavior is { } behavior)
            {
                ((Dictionary<string, object?>)autoscaling["hpa"]!)["behavior"] = Plain(behavior);
            }
        }

        if (manifests.ScaledObject is { } scaled)
        {
            autoscaling["keda"] = new Dictionary<string, object?>
            {
                ["pollingInterval"] = scaled.Spec.PollingInterval,
                ["cooldownPeriod"] = scaled.Spec.CooldownPeriod,
                ["triggers"] = Plain(scaled.Spec.Triggers),
            };
            if (scaled.Spec.Advanced?.HorizontalPodAutoscalerConfig?.Behavior is { } behavior)
            {
                ((Dictionary<string, object?>)autoscaling["keda"]!)["behavior"] = Plain(behavior);
            }
        }

        return autoscaling;
    }

    /// <summary>A typed object as plain dictionaries and lists, exactly as the API server would receive it in JSON.</summary>
    private static object? Plain(object value) => Plain(JsonNode.Parse(KubernetesJson.Serialize(value)));

    private static object? Plain(JsonNode? node) => node switch
    {
        JsonObject obj => obj.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray array => array.Select(Plain).ToList(),
        JsonValue value when value.TryGetValue(out long number) => number,
        JsonValue value when value.TryGetValue(out double number) => number,
        JsonValue value when value.TryGetValue(out bool flag) => flag,
        JsonValue value => value.GetValue<string>(),
        _ => null,
    };
}
