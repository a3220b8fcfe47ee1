using System.Text;
using System.Text.Json.Nodes;

namespace Portal.Deploy.Tests.Grafana;

/// <summary>deploy/grafana/inference-portal-dashboard.json.</summary>
public sealed class GrafanaDashboardTests
{
    private static readonly JsonObject Board = Dashboard.Load();

    private static IEnumerable<JsonObject> ContentPanels => Dashboard.Panels(Board).Where(p => (string?)p["type"] != "row");

    [Fact]
    public void It_has_the_panels_of_the_portals_dashboard()
    {
        var titles = ContentPanels.Select(p => (string)p["title"]!).ToList();

        Assert.Superset(
            new HashSet<string>
            {
                "GPUs in use / total", "Average GPU utilisation", "Deployments ready / total", "Requests per second",
                "p95 time to first token (worst deployment)", "GPU utilisation per GPU", "GPU memory per deployment",
                "Time to first token p50 / p95", "End-to-end latency p50 / p95", "Generated tokens per second",
                "Requests running / waiting", "KV-cache usage", "Deployment health",
            },
            titles.ToHashSet());
    }

    [Fact]
    public void Its_data_source_and_filters_are_variables()
    {
        var variables = Board["templating"]!["list"]!.AsArray().Select(v => v!.AsObject()).ToList();
        Assert.Equal(["datasource", "namespace", "framework", "deployment"], variables.Select(v => (string)v["name"]!));

        var datasource = variables[0];
        Assert.Equal(("datasource", "prometheus"), ((string)datasource["type"]!, (string)datasource["query"]!));
        foreach (var filter in variables.Skip(1))
        {
            Assert.Equal("query", (string?)filter["type"]);
            Assert.True((bool)filter["multi"]! && (bool)filter["includeAll"]!, $"{filter["name"]} is not multi-select with All");
            Assert.StartsWith("label_values(portal_deployment_ready", (string)filter["definition"]!, StringComparison.Ordinal);
            Assert.Equal("${datasource}", (string?)filter["datasource"]!["uid"]);
        }

        // Every panel and every query use the chosen data source.
        Assert.All(ContentPanels, p =>
        {
            Assert.Equal("${datasource}", (string?)p["datasource"]!["uid"]);
            Assert.All(p["targets"]!.AsArray(), t => Assert.Equal("${datasource}", (string?)t!["datasource"]!["uid"]));
        });
    }

    [Fact]
    public void Per_deployment_queries_follow_the_namespace_framework_and_deployment_filters()
    {
        var perDeployment = Dashboard.Queries(Board)
            .Where(q => q.Expr.Contains("deployment:", StringComparison.Ordinal) || q.Expr.Contains("portal_deployment_ready", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(perDeployment);
        Assert.All(perDeployment, q =>
        {
            Assert.Contains("namespace=~\"$namespace\"", q.Expr, StringComparison.Ordinal);
            Assert.Contains("framework=~\"$framework\"", q.Expr, StringComparison.Ordinal);
            Assert.Contains("deployment=~\"$deployment\"", q.Expr, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Panels_have_unique_ids_and_do_not_overlap_on_the_24_column_grid()
    {
        var panels = Dashboard.Panels(Board).ToList();
        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());

        var boxes = panels.Select(p => (Title: (string)p["title"]!, X: (int)p["gridPos"]!["x"]!, Y: (int)p["gridPos"]!["y"]!, W: (int)p["gridPos"]!["w"]!, H: (int)p["gridPos"]!["h"]!)).ToList();
        Assert.All(boxes, b => Assert.True(b.X >= 0 && b.W > 0 && b.X + b.W <= 24 && b.H > 0, $"{b.Title} leaves the grid"));
        for (var i = 0; i < boxes.Count; i++)
        {
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i], boxes[j]);
                var overlap = a.X < b.X + b.W && b.X < a.X + a.W && a.Y < b.Y + b.H && b.Y < a.Y + a.H;
                Assert.False(overlap, $"{a.Title} overlaps {b.Title}");
            }
        }
    }

    [Fact]
    public void Every_query_reads_only_engine_dcgm_and_portal_metrics_directly_or_through_the_recording_rules()
    {
        var rules = RecordingRules();
        var unknown = new List<string>();
        foreach (var (panel, expr) in Dashboard.Queries(Board))
        {
            var names = PromQl.MetricNames(expr);
            Assert.True(names.Count > 0, $"{panel}: no metric in {expr}");
            unknown.AddRange(names.SelectMany(n => Unresolved(n, rules, [])).Select(n => $"{panel}: {n}"));
        }

        Assert.Empty(unknown);
    }

    [Fact]
    public void The_metric_name_reader_finds_names_and_ignores_functions_labels_and_keywords()
    {
        Assert.Equal(
            ["DCGM_FI_DEV_FB_USED", "portal_deployment_ready", "vllm:time_to_first_token_seconds_bucket"],
            PromQl.MetricNames("""
                histogram_quantile(0.95, sum by (le, deployment) (rate(vllm:time_to_first_token_seconds_bucket{framework=~"vllm|x"}[1m])))
                * on (deployment) group_left (namespace) group by (namespace, deployment) (portal_deployment_ready)
                or label_replace(DCGM_FI_DEV_FB_USED{pod!=""}, "deployment", "$1", "pod", "(.+)-[0-9]+") * 1048576 > bool 1e3 or vector(0)
                """).Order(StringComparer.Ordinal));
        // A name vLLM no longer exports is caught.
        Assert.Equal(["vllm:gpu_cache_usage_perc"], Unresolved("vllm:gpu_cache_usage_perc", RecordingRules(), []));
    }

    [Fact]
    public async Task Every_query_is_valid_PromQL()
    {
        // promtool parses each query (variables set to "All") as a recording rule.
        var yaml = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        var i = 0;
        foreach (var (_, expr) in Dashboard.Queries(Board))
        {
            yaml.Append("      - record: dashboard:query_").Append(i++).Append('\n')
                .Append("        expr: ").Append(JsonValue.Create(Dashboard.WithAllSelected(expr))!.ToJsonString()).Append('\n');
        }

        using var dir = new TempDir();
        var file = dir.Write("dashboard.rules.yml", yaml.ToString());

        var result = await ExternalTool.RunAsync(PrometheusConfig.Promtool, ["check", "rules", file], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"SUCCESS: {i} rules found", result.Output, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> RecordingRules() =>
        Yaml.ParseFile(PrometheusConfig.Folder, "rules", "inference-portal.recording.yml")!["groups"]!.AsArray()
            .SelectMany(g => g!["rules"]!.AsArray())
            .ToDictionary(r => (string)r!["record"]!, r => (string)r!["expr"]!, StringComparer.Ordinal);

    /// <summary>Names under <paramref name="name"/> that are neither known metrics nor recording rules built from them.</summary>
    private static IEnumerable<string> Unresolved(string name, Dictionary<string, string> rules, HashSet<string> seen)
    {
        if (PromQl.KnownMetrics.Contains(name) || PromQl.KnownMetrics.Contains(PromQl.BaseName(name)))
        {
            return [];
        }

        if (!rules.TryGetValue(name, out var expr) || !seen.Add(name))
        {
            return [name];
        }

        return PromQl.MetricNames(expr).SelectMany(n => Unresolved(n, rules, seen)).ToList();
    }
}
