using Portal.Domain.Engines;
using Portal.Domain.Monitoring;

namespace Portal.Domain.Tests.Monitoring;

/// <summary>What the catalog maps each logical metric to, per framework, as text.</summary>
public sealed class MetricCatalogTests
{
    private static readonly MetricCatalog Catalog = MetricCatalog.Default;

    [Fact]
    public void Engine_metrics_come_from_each_profile_and_Ollama_falls_back_to_the_gateway()
    {
        var vllm = EngineProfiles.Get("vllm");
        var sglang = EngineProfiles.Get("sglang");
        var ollama = EngineProfiles.Get("ollama");

        Assert.Equal(new MetricSource(MetricSourceKind.Engine, "vllm:time_to_first_token_seconds", "vLLM's /metrics."), Catalog.SourceFor(MetricId.TimeToFirstToken, vllm) with { PresenceName = null });
        Assert.Equal("sglang:token_usage", Catalog.SourceFor(MetricId.KvCacheUsage, sglang).Name);
        Assert.Equal("sglang:e2e_request_latency_seconds_count", Catalog.SourceFor(MetricId.RequestRate, sglang).Name);
        Assert.Equal((MetricSourceKind.Gateway, "portal_gateway_time_to_first_token_seconds"), (Catalog.SourceFor(MetricId.TimeToFirstToken, ollama).Kind, Catalog.SourceFor(MetricId.TimeToFirstToken, ollama).Name));
        Assert.Equal("portal_gateway_time_to_first_token_seconds_count", Catalog.SourceFor(MetricId.TimeToFirstToken, ollama).PresenceName);
        Assert.Equal("portal_gateway_output_tokens_total", Catalog.SourceFor(MetricId.GeneratedTokens, ollama).Name);
        Assert.Equal("portal_gateway_in_flight_requests", Catalog.SourceFor(MetricId.RequestsRunning, ollama).Name);
        foreach (var unmeasured in new[] { MetricId.RequestsWaiting, MetricId.InterTokenLatency, MetricId.KvCacheUsage, MetricId.TargetUp })
        {
            var source = Catalog.SourceFor(unmeasured, ollama);
            Assert.Equal(MetricSourceKind.None, source.Kind);
            Assert.StartsWith("Ollama has no Prometheus metrics of its own", source.Note);
        }

        Assert.All(EngineProfiles.All, p => Assert.Equal(MetricSourceKind.Gateway, Catalog.SourceFor(MetricId.ErrorRate, p).Kind));
    }

    [Fact]
    public void One_query_per_metric_covers_every_framework_and_aggregates_by_deployment()
    {
        var ttft = Catalog.Query(MetricId.TimeToFirstToken, MetricScope.All);

        Assert.Contains("histogram_quantile(0.95, sum by (deployment, le) (rate(vllm:time_to_first_token_seconds_bucket{deployment!=\"\"}[60s])))", ttft);
        Assert.Contains("sglang:time_to_first_token_seconds_bucket", ttft);
        Assert.Contains("portal_gateway_time_to_first_token_seconds_bucket{deployment!=\"\", framework=~\"ollama\"}", ttft);
        Assert.Contains("\"quantile\", \"0.5\"", ttft);
        Assert.DoesNotContain("by (pod", ttft);

        var crossCheck = Catalog.Query(MetricId.TimeToFirstToken, new MetricScope(["chat"], gatewayCrossCheck: true));
        Assert.Contains("portal_gateway_time_to_first_token_seconds_bucket{deployment=~\"chat\"}", crossCheck);
    }

    [Fact]
    public void A_scope_names_its_deployments_in_label_matchers_and_their_pods_on_GPU_queries()
    {
        var scope = new MetricScope(["b-model", "a-model"], TimeSpan.FromMinutes(4));

        Assert.Equal("deployment=~\"a-model|b-model\"", scope.DeploymentMatcher);
        Assert.Contains("pod=~\"(a-model|b-model)-[0-9]+\"", Catalog.GpuQuery(MetricId.GpuUtilization, scope));
        Assert.Contains("[240s]", Catalog.Query(MetricId.GeneratedTokens, scope));
        Assert.Throws<ArgumentException>(() => new MetricScope(["Bad.Name"]).DeploymentMatcher);
        Assert.Throws<ArgumentException>(() => new MetricScope([]));
    }

    [Fact]
    public void A_missing_engine_metric_hint_names_the_flag_the_profile_starts_the_engine_with()
    {
        Assert.Contains("--enable-metrics", MetricCatalog.MissingEngineMetricHint(EngineProfiles.Get("sglang"), "sglang:token_usage"));
        Assert.Contains("check the engine version", MetricCatalog.MissingEngineMetricHint(EngineProfiles.Get("vllm"), "vllm:kv_cache_usage_perc"));
    }
}

public sealed class RenamedMetricQueryTests
{
    [Fact]
    public void Inter_token_latency_reads_the_current_name_or_where_a_pod_lacks_it_the_name_older_vllm_exports()
    {
        var query = MetricCatalog.Default.Query(MetricId.InterTokenLatency, new MetricScope(null, TimeSpan.FromMinutes(1), false));

        Assert.Contains("rate(vllm:inter_token_latency_seconds_bucket{", query);
        Assert.Contains(" or rate(vllm:time_per_output_token_seconds_bucket{", query);
        Assert.Contains("sglang:inter_token_latency_seconds_bucket", query);
        Assert.DoesNotContain("sglang:time_per_output_token", query);
    }
}
