using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Portal.Domain.Manifests;

namespace Portal.Deploy.Tests.Helm;

/// <summary>
/// The chart, rendered by a real Helm with the portal's exported values, gives the same objects as
/// the portal's own renderer. The only differences are Helm's bookkeeping: <c>managed-by: Helm</c>,
/// the <c>helm.sh/chart</c> label, and no portal revision annotation.
/// </summary>
public sealed class HelmTemplateTests
{
    private static CancellationToken Cancel => Xunit.TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public async Task Chart_renders_the_same_objects_as_the_portal(string framework)
    {
        var spec = Specs.For(framework);
        var valuesFile = Path.Combine(Path.GetTempPath(), $"model-serving-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(valuesFile, HelmValuesExporter.Export(spec), Cancel);
        try
        {
            var result = await HelmTool.RunAsync(
                ["template", spec.Name, ChartFiles.ChartDirectory, "--namespace", spec.Namespace, "-f", valuesFile], Cancel);
            Assert.True(result.ExitCode == 0, result.Output);

            var fromChart = ManifestYaml.Deserialize(result.StdOut).Select(o => Normalize(o, fromHelm: true)).ToList();
            var fromPortal = ManifestRenderer.Render(spec, 1).All.Select(o => Normalize(o, fromHelm: false)).ToList();

            Assert.Equal(fromPortal.Select(Kind).Order(), fromChart.Select(Kind).Order());
            foreach (var expected in fromPortal)
            {
                var actual = fromChart.Single(o => Kind(o) == Kind(expected));
                Assert.True(JsonNode.DeepEquals(expected, actual),
                    $"{Kind(expected)} differs.\nportal: {expected.ToJsonString()}\nchart:  {actual.ToJsonString()}");
            }
        }
        finally
        {
            File.Delete(valuesFile);
        }
    }

    [Fact]
    public async Task Chart_with_default_values_renders_and_lints()
    {
        var lint = await HelmTool.RunAsync(["lint", ChartFiles.ChartDirectory], Cancel);
        Assert.True(lint.ExitCode == 0, lint.Output);
        foreach (var file in Directory.GetFiles(ChartFiles.PathOf("ci"), "*.yaml"))
        {
            var ciLint = await HelmTool.RunAsync(["lint", ChartFiles.ChartDirectory, "-f", file], Cancel);
            Assert.True(ciLint.ExitCode == 0, $"{Path.GetFileName(file)}: {ciLint.Output}");
        }
    }

    [Fact]
    public async Task Chart_refuses_an_unknown_framework()
    {
        var result = await HelmTool.RunAsync(["template", "x", ChartFiles.ChartDirectory, "--set", "framework=tgi"], Cancel);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("framework", result.Output, StringComparison.Ordinal);
    }

    private static string Kind(JsonNode node) => (string)node["kind"]!;

    /// <summary>The object as JSON without Helm's bookkeeping, the portal's revision, or empty collections.</summary>
    private static JsonNode Normalize(object obj, bool fromHelm)
    {
        if (!fromHelm && obj is V1StatefulSet statefulSet)
        {
            statefulSet.Metadata.Annotations.Remove(PortalLabels.RevisionAnnotation);
        }

        var node = JsonNode.Parse(KubernetesJson.Serialize(obj))!;
        Walk(node);
        return node;

        void Walk(JsonNode? current)
        {
            switch (current)
            {
                case JsonObject o:
                    o.Remove("helm.sh/chart");
                    if (fromHelm && o[PortalLabels.ManagedBy] is JsonValue managedBy && (string?)managedBy == "Helm")
                    {
                        o[PortalLabels.ManagedBy] = PortalLabels.ManagedByValue;
                    }

                    foreach (var (key, value) in o.ToList())
                    {
                        Walk(value);
                        if (value is JsonObject { Count: 0 } or JsonArray { Count: 0 } or null)
                        {
                            o.Remove(key);
                        }
                    }

                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        Walk(item);
                    }

                    break;
            }
        }
    }
}
