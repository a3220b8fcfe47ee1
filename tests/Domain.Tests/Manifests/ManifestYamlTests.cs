using k8s;
using k8s.Models;
using Portal.Domain.Manifests;

namespace Portal.Domain.Tests.Manifests;

public sealed class ManifestYamlTests
{
    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Yaml_round_trips_through_the_kubernetes_serializer(string framework)
    {
        var manifests = ManifestRenderer.Render(Specs.For(framework), 4);
        var yaml = ManifestYaml.Serialize(manifests);

        var objects = ManifestYaml.Deserialize(yaml);

        var statefulSet = Assert.Single(objects.OfType<V1StatefulSet>());
        Assert.Equal(
            KubernetesJson.Serialize(manifests.StatefulSet),
            KubernetesJson.Serialize(statefulSet));
        Assert.Equal(KubernetesJson.Serialize(manifests.Service), KubernetesJson.Serialize(objects.OfType<V1Service>().Single()));
        Assert.Equal(manifests.All.Count(), objects.Count);
    }

    [Fact]
    public void Keda_scaled_object_round_trips_with_its_own_type()
    {
        var manifests = ManifestRenderer.Render(Specs.Sglang, 1);
        var read = Assert.Single(ManifestYaml.Deserialize(ManifestYaml.Serialize(manifests)).OfType<KedaScaledObject>());
        Assert.Equal(KubernetesJson.Serialize(manifests.ScaledObject!), KubernetesJson.Serialize(read));
        Assert.Equal("keda.sh/v1alpha1", read.ApiVersion);
    }

    [Fact]
    public void Every_document_names_its_api_version_and_kind()
    {
        var yaml = ManifestYaml.Serialize(ManifestRenderer.Render(Specs.Vllm, 1));
        var documents = yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, documents.Length);
        Assert.All(documents, d =>
        {
            Assert.Contains("apiVersion: ", d, StringComparison.Ordinal);
            Assert.Contains("kind: ", d, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Numbers_that_look_like_strings_stay_strings()
    {
        // "8000" as an argv element and "true" as an annotation must stay strings for the API server.
        var yaml = ManifestYaml.Serialize(ManifestRenderer.Render(Specs.Vllm, 1));
        Assert.Contains("- \"8000\"", yaml, StringComparison.Ordinal);
        Assert.Contains("prometheus.io/scrape: \"true\"", yaml, StringComparison.Ordinal);
    }
}
