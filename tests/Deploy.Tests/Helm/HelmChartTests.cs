using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Manifests;

namespace Portal.Deploy.Tests.Helm;

public sealed partial class HelmChartTests
{
    private static JsonNode Export(DeploymentSpec spec) => ChartFiles.YamlToJson(HelmValuesExporter.Export(spec));

    [Fact]
    public void Chart_default_values_satisfy_the_schema() =>
        Assert.Empty(ChartFiles.Errors(ChartFiles.ValuesYaml()));

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Exported_values_satisfy_the_schema(string framework)
    {
        var merged = ChartFiles.Merge(ChartFiles.ValuesYaml(), Export(Specs.For(framework)));
        Assert.Empty(ChartFiles.Errors(merged));
    }

    /// <summary>The chart's ci/ examples are the exports of the test specs (UPDATE_GOLDEN=1 rewrites them).</summary>
    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Chart_ci_examples_are_the_current_exports(string framework)
    {
        var path = ChartFiles.PathOf(Path.Combine("ci", $"{framework}-values.yaml"));
        var export = HelmValuesExporter.Export(Specs.For(framework));
        if (GoldenFile.Updating)
        {
            File.WriteAllText(path, export);
        }

        Assert.Equal(File.ReadAllText(path), export);
    }

    [Theory]
    [InlineData("""{"framework":"tgi"}""", "/framework")]
    [InlineData("""{"args":["--port=1; rm -rf /"]}""", "/args/0")]
    [InlineData("""{"args":["--a\nb"]}""", "/args/0")]
    [InlineData("""{"resources":{"limits":{"nvidia.com/gpu":"two"}}}""", "/resources/limits/nvidia.com~1gpu")]
    [InlineData("""{"persistence":{"size":"100GB"}}""", "/persistence/size")]
    [InlineData("""{"service":{"type":"Ingress"}}""", "/service/type")]
    [InlineData("""{"autoscaling":{"mode":false}}""", "/autoscaling/mode")]
    [InlineData("""{"autoscaling":{"mode":"hpa","hpa":{"metrics":[]}}}""", "/autoscaling")]
    [InlineData("""{"nameOverride":"Qwen_7B"}""", "/nameOverride")]
    [InlineData("""{"replicas":2}""", "")]
    public void Schema_rejects_bad_values(string overrides, string location)
    {
        var errors = ChartFiles.Errors(ChartFiles.Merge(ChartFiles.ValuesYaml(), JsonNode.Parse(overrides)!));
        Assert.Contains(errors, e => e.StartsWith(location + ":", StringComparison.Ordinal) || e.StartsWith(location + "/", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Chart_engine_table_matches_the_engine_profile(string framework)
    {
        var profile = EngineProfiles.Get(framework);
        var spec = Specs.For(framework);
        var engine = ChartFiles.ValuesYaml()["engines"]![framework]!;

        Assert.Equal(profile.ImageRepository, (string?)engine["image"]!["repository"]);
        Assert.Equal(profile.DefaultTag, (string?)engine["image"]!["tag"]);
        Assert.Equal(profile.ContainerPort, (int)engine["port"]!);
        Assert.Equal(profile.Command, Strings(engine["command"]));
        Assert.Equal(profile.BaseArgs(spec), Strings(engine["baseArgs"]).Select(a => a.Replace("{{ .Values.model.name }}", spec.Model, StringComparison.Ordinal)));
        Assert.Equal(profile.BaseEnvironment.Select(e => $"{e.Key}={e.Value}"),
            (engine["env"]?.AsArray() ?? []).Select(e => $"{e!["name"]}={e["value"]}"));
        Assert.Equal(profile.HuggingFaceTokenEnv ?? "", (string?)engine["tokenEnv"]);
        Assert.Equal(profile.CacheMountPath, (string?)engine["cacheMountPath"]);
        Assert.Equal(profile.MetricsPath ?? "", (string?)engine["metricsPath"]);
        foreach (var (name, probe) in new[] { ("startup", profile.Probes.Startup), ("readiness", profile.Probes.Readiness), ("liveness", profile.Probes.Liveness) })
        {
            var chartProbe = engine["probes"]![name]!;
            Assert.Equal(
                (probe.Path, probe.PeriodSeconds, probe.TimeoutSeconds, probe.FailureThreshold),
                ((string)chartProbe["httpGet"]!["path"]!, (int)chartProbe["periodSeconds"]!, (int)chartProbe["timeoutSeconds"]!, (int)chartProbe["failureThreshold"]!));
        }
    }

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Exported_values_reproduce_the_rendered_pod(string framework)
    {
        var spec = Specs.For(framework);
        var profile = EngineProfiles.Get(framework);
        var rendered = ManifestRenderer.Render(spec, 1);
        var container = rendered.StatefulSet.Spec.Template.Spec.Containers.Single();
        var values = Export(spec);

        // The chart's argv is its engine base args followed by the exported args.
        Assert.Equal(container.Args, [.. profile.BaseArgs(spec), .. Strings(values["args"])]);
        var chartEnv = profile.BaseEnvironment.Select(e => $"{e.Key}={e.Value}")
            .Concat(values["env"]!.AsArray().Select(e => $"{e!["name"]}={e["value"]}"));
        Assert.Equal(container.Env.Where(e => e.Value is not null).Select(e => $"{e.Name}={e.Value}"), chartEnv);
        Assert.Equal(spec.GpusPerReplica > 0 ? spec.GpusPerReplica : null, (int?)values["resources"]!["limits"]!["nvidia.com/gpu"]);
        Assert.Equal((container.Resources.Requests is { } requests && requests.TryGetValue("memory", out var memory) ? memory.ToString() : null), (string?)values["resources"]!["requests"]!["memory"]);
        Assert.Equal(spec.Persistence.Enabled, (bool)values["persistence"]!["enabled"]!);
        Assert.Equal(spec.ServiceType.ToString(), (string?)values["service"]!["type"]);
        Assert.Equal(spec.Name, (string?)values["nameOverride"]);
        Assert.Equal(spec.Model, (string?)values["model"]!["name"]);
        Assert.Equal(profile.SharedMemorySize(spec) is not null, (bool)values["shm"]!["enabled"]!);
    }

    [Fact]
    public void Exported_autoscaling_carries_the_rendered_metric_and_trigger()
    {
        var hpa = Export(Specs.Vllm)["autoscaling"]!;
        Assert.Equal("hpa", (string?)hpa["mode"]);
        Assert.Equal("vllm_num_requests_waiting", (string?)hpa["hpa"]!["metrics"]![0]!["pods"]!["metric"]!["name"]);

        var keda = Export(Specs.Sglang)["autoscaling"]!;
        Assert.Equal("keda", (string?)keda["mode"]);
        Assert.Equal(0, (int)keda["minReplicas"]!);
        Assert.Equal("sum(sglang:num_queue_reqs{namespace=\"models\",deployment=\"llama-8b\"})",
            (string?)keda["keda"]!["triggers"]![0]!["metadata"]!["query"]);

        Assert.Equal("none", (string?)Export(Specs.Ollama)["autoscaling"]!["mode"]);
    }

    [Fact]
    public void An_invalid_spec_is_not_exported() =>
        Assert.Throws<InvalidDeploymentSpecException>(() => HelmValuesExporter.Export(Specs.Vllm with { ExtraArgs = ["--port=1"] }));

    [Fact]
    public void Templates_reference_only_values_that_exist()
    {
        var values = ChartFiles.ValuesYaml();
        var engineKeys = values["engines"]!["vllm"]!.AsObject().Select(p => p.Key).ToHashSet();
        foreach (var template in Directory.GetFiles(ChartFiles.PathOf("templates")))
        {
            var text = File.ReadAllText(template);
            foreach (Match match in ValuesReference().Matches(text))
            {
                JsonNode? node = values;
                foreach (var part in match.Groups[1].Value.Split('.'))
                {
                    node = node is JsonObject obj && obj.TryGetPropertyValue(part, out var child) ? child ?? JsonValue.Create("") : null;
                    Assert.True(node is not null, $"{Path.GetFileName(template)} uses .Values.{match.Groups[1].Value}, which values.yaml does not define");
                }
            }

            foreach (Match match in EngineReference().Matches(text))
            {
                Assert.Contains(match.Groups[1].Value, engineKeys);
            }
        }
    }

    [Fact]
    public void Template_actions_are_balanced()
    {
        foreach (var template in Directory.GetFiles(ChartFiles.PathOf("templates")))
        {
            var text = File.ReadAllText(template);
            var name = Path.GetFileName(template);
            Assert.True(Count(text, "{{") == Count(text, "}}"), $"{name}: unbalanced {{{{ }}}}");
            var opened = BlockStart().Matches(text).Count;
            var closed = BlockEnd().Matches(text).Count;
            Assert.True(opened == closed, $"{name}: {opened} blocks opened, {closed} closed");
        }
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) => (node?.AsArray() ?? []).Select(n => (string)n!).ToArray();

    private static int Count(string text, string token) => Regex.Count(text, Regex.Escape(token));

    [GeneratedRegex(@"\.Values\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")]
    private static partial Regex ValuesReference();

    [GeneratedRegex(@"\$engine\.([A-Za-z0-9_]+)")]
    private static partial Regex EngineReference();

    [GeneratedRegex(@"\{\{-?\s*(if|range|with|define)\b")]
    private static partial Regex BlockStart();

    [GeneratedRegex(@"\{\{-?\s*end\b")]
    private static partial Regex BlockEnd();
}
