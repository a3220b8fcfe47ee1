using Portal.Core.Manifests;
using Portal.Core.Tests.Golden;

namespace Portal.Core.Tests.Manifests;

public sealed class ManifestGoldenTests
{
    /// <summary>The revision the golden files are rendered at.</summary>
    public const long GoldenRevision = 7;

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Rendered_yaml_matches_the_golden_file(string framework)
    {
        var yaml = ManifestYaml.Serialize(ManifestRenderer.Render(Specs.For(framework), GoldenRevision));
        GoldenFile.AssertMatches($"{framework}.yaml", yaml);
    }

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Golden_yaml_reads_back_into_the_same_objects(string framework)
    {
        var manifests = ManifestRenderer.Render(Specs.For(framework), GoldenRevision);
        var objects = ManifestYaml.Deserialize(File.ReadAllText(GoldenFile.PathOf($"{framework}.yaml")));

        Assert.Equal(manifests.All.Select(o => o.GetType()), objects.Select(o => o.GetType()));
        // Re-serialising what was read gives the same text: nothing was lost or invented on the way.
        Assert.Equal(ManifestYaml.Serialize(manifests), k8s.KubernetesYaml.SerializeAll(objects));
    }
}
