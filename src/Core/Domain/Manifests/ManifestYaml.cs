using k8s;

namespace Portal.Domain.Manifests;

/// <summary>YAML export of rendered manifests: one multi-document stream that <c>kubectl apply -f</c> accepts.</summary>
public static class ManifestYaml
{
    /// <summary>Type map for reading the export back with <see cref="KubernetesYaml.LoadAllFromString"/>.</summary>
    public static IDictionary<string, Type> TypeMap { get; } =
        new Dictionary<string, Type> { [KedaScaledObject.TypeMapKey] = typeof(KedaScaledObject) };

    public static string Serialize(RenderedManifests manifests) => KubernetesYaml.SerializeAll(manifests.All);

    /// <summary>Reads a multi-document export back into typed objects.</summary>
    public static IReadOnlyList<object> Deserialize(string yaml) => KubernetesYaml.LoadAllFromString(yaml, TypeMap);
}
