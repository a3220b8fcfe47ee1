namespace Portal.Deploy.Tests.Prometheus;

/// <summary>promtool (Debian's prometheus package) on deploy/prometheus.</summary>
public sealed class PrometheusRulesTests
{
    private static readonly string Folder = Repo.PathOf(PrometheusConfig.Folder);

    [Fact]
    public async Task Promtool_accepts_the_alert_and_recording_rules()
    {
        var files = Directory.GetFiles(Path.Combine(Folder, "rules"), "*.yml").Order().ToArray();
        Assert.Equal(["inference-portal.alerts.yml", "inference-portal.recording.yml"], files.Select(Path.GetFileName));

        var result = await Promtool(["check", "rules", .. files]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(2, CountOf("SUCCESS", result.Output));
    }

    [Fact]
    public async Task Promtool_accepts_the_scrape_config_once_kubernetes_discovery_is_swapped_for_file_discovery()
    {
        using var dir = new TempDir();
        var targets = dir.Write("targets.json", "[]");
        var config = dir.Write("prometheus.yml", PrometheusConfig.WithFileDiscovery(targets).ToJsonString());

        var result = await Promtool(["check", "config", config]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("is valid prometheus config file syntax", result.Output, StringComparison.Ordinal);
        Assert.Contains("SUCCESS: 2 rule files found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_job_discovers_pods_through_the_Kubernetes_API()
    {
        // What the file-discovery swap above cannot check: the kubernetes_sd_configs
        // themselves, against Prometheus's documented fields.
        var jobs = PrometheusConfig.Load()["scrape_configs"]!.AsArray().Select(j => j!.AsObject()).ToList();

        Assert.Equal(["inference-engines", "dcgm-exporter", "inference-portal"], jobs.Select(j => j["job_name"]!.GetValue<string>()));
        foreach (var job in jobs)
        {
            var sd = Assert.Single(job["kubernetes_sd_configs"]!.AsArray())!.AsObject();
            Assert.Equal("pod", sd["role"]!.GetValue<string>());
            Assert.All(sd.Select(kv => kv.Key), key => Assert.Contains(key, new[] { "role", "selectors", "namespaces", "api_server", "kubeconfig_file" }));
            foreach (var selector in sd["selectors"]?.AsArray() ?? [])
            {
                Assert.Equal("pod", selector!["role"]!.GetValue<string>());
                Assert.Matches(@"^[a-z0-9./-]+(=[a-z0-9.-]+)?$", selector["label"]!.GetValue<string>());
            }

            Assert.All(
                job["relabel_configs"]!.AsArray().SelectMany(r => r!["source_labels"]?.AsArray() ?? []),
                label => Assert.StartsWith("__meta_kubernetes_", label!.GetValue<string>(), StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_alert_rules_pass_their_unit_tests()
    {
        var result = await Promtool(["test", "rules", "tests/alerts.test.yml"]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SUCCESS", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_recording_rules_pass_their_unit_tests()
    {
        var result = await Promtool(["test", "rules", "tests/recording.test.yml"]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SUCCESS", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_fails_a_rule_file_whose_query_does_not_parse()
    {
        // The checks above rely on promtool's exit code: make sure it does fail.
        using var dir = new TempDir();
        var rules = dir.Write("bad.yml", """
            groups:
              - name: bad
                rules:
                  - record: deployment:broken:sum
                    expr: sum by (deployment (vllm:num_requests_running)
            """);

        var result = await Promtool(["check", "rules", rules]);

        Assert.NotEqual(0, result.ExitCode);
    }

    private static Task<ToolResult> Promtool(string[] arguments) =>
        ExternalTool.RunAsync(PrometheusConfig.Promtool, arguments, Folder, cancellationToken: TestContext.Current.CancellationToken);

    private static int CountOf(string what, string text) =>
        text.Split(what).Length - 1;
}
