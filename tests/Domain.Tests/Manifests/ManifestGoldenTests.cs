using Portal.Domain.Manifests;
using Portal.Domain.Tests.Golden;

namespace Portal.Domain.Tests.Manifests;

public sealed class ManifestGoldenTests
{
    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Rendered_yaml_matches_the_golden_file(string framework)
    {
        var yaml = ManifestYaml.Serialize(ManifestRenderer.Render(Specs.For(framework), GoldenFile.GoldenRevision));
        GoldenFile.AssertMatches($"{framework}.yaml", yaml);
    }

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Golden_yaml_reads_back_into_the_same_objects(string framework)
    {
        var manifests = ManifestRenderer.Render(Specs.For(framework), GoldenFile.GoldenRevision);
        var objects = ManifestYaml.Deserialize(File.ReadAllText(GoldenFile.PathOf($"{framework}.yaml")));

        Assert.Equal(manifests.All.Select(o => o.GetType()), objects.Select(o => o.GetType()));
        // Re-serialising what was read gives the same text: nothing was lost or invented on the way.
        Assert.Equal(ManifestYaml.Serialize(manifests), k8s.KubernetesYaml.SerializeAll(objects));
    }
}
