using Portal.Domain.Engines;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Prometheus;

namespace Portal.Infrastructure.Tests.Prometheus;

/// <summary>Every query the catalog builds, run against a real Prometheus scraping loaded vLLM and SGLang pods.</summary>
public sealed class MetricCatalogPrometheusTests(ServedModels models) : IClassFixture<ServedModels>
{
    private static readonly MetricCatalog Catalog = MetricCatalog.Default;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private PrometheusClient Client => PrometheusClients.Create(models.Prometheus.Url);

    public static TheoryData<string> Frameworks => new(EngineProfiles.Ids);

    [Theory]
    [MemberData(nameof(Frameworks))]
    public async Task Each_frameworks_query_is_valid_PromQL_and_engine_metrics_return_its_deployment_under_load(string framework)
    {
        var profile = EngineProfiles.Get(framework);
        var deployment = framework switch { "vllm" => ServedModels.Vllm.Name, "sglang" => ServedModels.Sglang.Name, _ => ServedModels.Ollama.Name };
        var failures = new List<string>();
        foreach (var id in Enum.GetValues<MetricId>())
        {
            if (Catalog.QueryFor(id, profile, MetricScope.All) is not { } query)
            {
                continue;
            }

            var result = await Client.QueryAsync(query.PromQl, cancellationToken: Ct);
            if (!result.IsSuccess)
            {
                failures.Add($"{id}: {result.Error} in {query.PromQl}");
                continue;
            }

            // Engine metrics (and up) are scraped from the pods; the gateway's and the portal's need the portal, which is not running here.
            var expectData = query.Source.Kind is MetricSourceKind.Engine or MetricSourceKind.Prometheus or MetricSourceKind.Gpu;
            var hasData = query.Source.Kind == MetricSourceKind.Gpu
                ? result.Value.Count > 0
                : result.Value.Any(s => s.Labels["deployment"] == deployment && !double.IsNaN(s.Value));
            if (expectData && !hasData)
            {
                failures.Add($"{id}: no data for {deployment} from {query.PromQl}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Inter_token_latency_of_an_old_vllm_release_comes_from_the_metric_it_exports()
    {
        var current = await Client.QueryAsync($"vllm:inter_token_latency_seconds_count{{deployment=\"{ServedModels.VllmOld.Name}\"}}", cancellationToken: Ct);
        var former = await Client.QueryAsync($"vllm:time_per_output_token_seconds_count{{deployment=\"{ServedModels.VllmOld.Name}\"}}", cancellationToken: Ct);
        Assert.Empty(current.Value!); // v0.10.1 has no inter_token_latency …
        Assert.NotEmpty(former.Value!); // … it has time_per_output_token

        var query = Catalog.QueryFor(MetricId.InterTokenLatency, EngineProfiles.Vllm, MetricScope.All)!;
        var result = await Client.QueryAsync(query.PromQl, cancellationToken: Ct);

        var byDeployment = result.Value!.Where(s => !double.IsNaN(s.Value)).GroupBy(s => s.Labels["deployment"]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, byDeployment[ServedModels.VllmOld.Name]); // p50 and p95
        Assert.Equal(2, byDeployment[ServedModels.Vllm.Name]);
    }

    [Fact]
    public async Task The_combined_queries_the_dashboard_runs_are_valid_and_draw_both_engines_by_deployment()
    {
        foreach (var id in MetricCatalog.ServingMetrics)
        {
            var result = await Client.QueryAsync(Catalog.Query(id, new MetricScope(gatewayCrossCheck: true)), cancellationToken: Ct);
            Assert.True(result.IsSuccess, $"{id}: {result}");
            if (id is MetricId.ErrorRate)
            {
                continue; // only the gateway counts errors
            }

            var deployments = result.Value.Where(s => !double.IsNaN(s.Value)).Select(s => s.Labels["deployment"]).ToHashSet();
            Assert.True(deployments.SetEquals([ServedModels.Vllm.Name, ServedModels.VllmOld.Name, ServedModels.Sglang.Name]), $"{id}: {string.Join(", ", deployments)}");
            Assert.All(result.Value, s => Assert.Equal("engine", s.Labels["source"]));
            if (MetricCatalog.Definition(id).Shape == MetricShape.HistogramQuantiles)
            {
                Assert.Equal(["0.5", "0.95"], result.Value.Select(s => s.Labels["quantile"]).Distinct().Order());
            }
        }
    }

    [Fact]
    public async Task GPU_queries_read_dcgm_exporter_per_GPU_and_per_deployment()
    {
        var utilisation = await Client.QueryAsync(Catalog.GpuQuery(MetricId.GpuUtilization, MetricScope.All), cancellationToken: Ct);
        var memory = await Client.QueryAsync(Catalog.GpuQuery(MetricId.GpuMemoryUsed, MetricScope.All), cancellationToken: Ct);
        var scopedMemory = await Client.QueryAsync(Catalog.GpuQuery(MetricId.GpuMemoryUsed, new MetricScope([ServedModels.Vllm.Name])), cancellationToken: Ct);
        var total = await Client.QueryAsync(Catalog.GpuQuery(MetricId.GpuMemoryTotal, MetricScope.All), cancellationToken: Ct);
        var snapshot = await Client.QueryAsync(Catalog.GpuSnapshotQuery(MetricScope.All), cancellationToken: Ct);

        Assert.Equal(4, utilisation.Value!.Count);
        Assert.Equal(4, utilisation.Value.Count(s => s.Labels.Has("pod"))); // one GPU per model server
        Assert.Equal([ServedModels.Ollama.Name, ServedModels.Sglang.Name, ServedModels.Vllm.Name, ServedModels.VllmOld.Name], memory.Value!.Select(s => s.Labels["deployment"]).Order());
        // vLLM and SGLang reserve most of the GPU at start; Ollama loads its model on the first request.
        Assert.All(memory.Value!.Where(s => s.Labels["deployment"] != ServedModels.Ollama.Name), s => Assert.True(s.Value > 50_000, $"{s.Labels} {s.Value} MiB"));
        Assert.Equal(ServedModels.Vllm.Name, Assert.Single(scopedMemory.Value!).Labels["deployment"]);
        Assert.Equal(4 * 81559, Assert.Single(total.Value!).Value);
        Assert.Equal(4 * 5, snapshot.Value!.Count);
        Assert.Equal(5, snapshot.Value.Select(s => s.Labels["__name__"]).Distinct().Count());
    }

    [Fact]
    public async Task Health_and_presence_tell_which_deployments_are_scraped_and_which_metrics_each_exports()
    {
        var health = await Client.QueryAsync(Catalog.HealthQuery(MetricScope.All), cancellationToken: Ct);
        var presence = await Client.QueryAsync(Catalog.PresenceQuery(MetricScope.All), cancellationToken: Ct);

        Assert.True(health.IsSuccess, health.ToString());
        var scrape = health.Value.Where(s => s.Labels["signal"] == "scrape").ToDictionary(s => s.Labels["deployment"], s => s.Value);
        Assert.Equal(new Dictionary<string, double> { [ServedModels.Vllm.Name] = 1, [ServedModels.VllmOld.Name] = 1, [ServedModels.Sglang.Name] = 1 }, scrape);

        Assert.True(presence.IsSuccess, presence.ToString());
        var names = presence.Value.GroupBy(s => s.Labels["deployment"]).ToDictionary(g => g.Key, g => g.Select(s => s.Labels["__name__"]).ToHashSet());
        Assert.Equal([ServedModels.Sglang.Name, ServedModels.Vllm.Name, ServedModels.VllmOld.Name], names.Keys.Order());
        Assert.Contains("vllm:kv_cache_usage_perc", names[ServedModels.Vllm.Name]);
        Assert.Contains("vllm:time_to_first_token_seconds_count", names[ServedModels.Vllm.Name]);
        Assert.Contains("up", names[ServedModels.Vllm.Name]);
        Assert.Contains("sglang:token_usage", names[ServedModels.Sglang.Name]);
        Assert.DoesNotContain(names.Values, set => set.Any(n => n.StartsWith("portal_", StringComparison.Ordinal)));
    }
}
