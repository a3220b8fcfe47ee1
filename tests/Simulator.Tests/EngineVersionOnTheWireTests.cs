using System.Text.Json.Nodes;

namespace Portal.Simulator.Tests;

/// <summary>Each engine's /metrics and version endpoints answer as the release in the pod's image tag.</summary>
public sealed class EngineVersionOnTheWireTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task vLLM_0_10_1_exports_time_per_output_token_and_gpu_cache_usage_and_no_inter_token_latency()
    {
        await using var cluster = await TestCluster.StartAsync();
        var names = await MetricNamesAfterOneChatAsync(cluster, await EnginePods.VllmAsync(cluster, "v", EnginePods.VllmOld));

        Assert.Contains("vllm:time_per_output_token_seconds_count", names);
        Assert.Contains("vllm:gpu_cache_usage_perc", names);
        Assert.Contains("vllm:gpu_prefix_cache_hits_total", names);
        Assert.Contains("vllm:kv_cache_usage_perc", names);
        Assert.DoesNotContain("vllm:inter_token_latency_seconds_count", names);
        Assert.DoesNotContain("vllm:request_time_per_output_token_seconds_count", names);
    }

    [Fact]
    public async Task vLLM_0_33_exports_inter_token_latency_and_kv_cache_usage_only()
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.VllmAsync(cluster, "v", EnginePods.VllmCurrent);
        var names = await MetricNamesAfterOneChatAsync(cluster, root);
        using var http = new HttpClient();

        Assert.Contains("vllm:inter_token_latency_seconds_count", names);
        Assert.Contains("vllm:request_time_per_output_token_seconds_count", names);
        Assert.Contains("vllm:kv_cache_usage_perc", names);
        Assert.Contains("vllm:num_requests_waiting_by_reason", names);
        Assert.DoesNotContain("vllm:time_per_output_token_seconds_count", names);
        Assert.DoesNotContain("vllm:gpu_cache_usage_perc", names);
        Assert.Equal("0.33.0", (string?)JsonNode.Parse(await http.GetStringAsync(new Uri(root, "/version"), Ct))!["version"]);
    }

    [Theory]
    [InlineData("vllm/vllm-openai:v0.12.0", "0.11", true)]
    [InlineData("vllm/vllm-openai:v0.12.0", null, false)]
    [InlineData("vllm/vllm-openai:v0.13.0", "0.11", false)]
    public async Task vLLM_shows_a_metric_hidden_in_the_release_after_its_deprecation_only_with_show_hidden_metrics(string image, string? showHidden, bool shown)
    {
        await using var cluster = await TestCluster.StartAsync();
        var flags = showHidden is null ? Array.Empty<string>() : ["--show-hidden-metrics-for-version", showHidden];
        using var http = new HttpClient();
        var root = await EnginePods.VllmAsync(cluster, "v", image, flags);
        var text = await http.GetStringAsync(new Uri(root, "/metrics"), Ct);

        Assert.Equal(shown, text.Contains("# TYPE vllm:time_per_output_token_seconds histogram", StringComparison.Ordinal));
        Assert.Contains("# TYPE vllm:inter_token_latency_seconds histogram", text);
    }

    [Theory]
    [InlineData(EnginePods.SglangOld, true, false)]
    [InlineData(EnginePods.SglangCurrent, false, true)]
    public async Task SGLang_exports_its_releases_names(string image, bool timePerOutputToken, bool cachedTokens)
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.SglangAsync(cluster, "s", image);
        var names = await MetricNamesAfterOneChatAsync(cluster, root);
        using var http = new HttpClient();

        Assert.Contains("sglang:inter_token_latency_seconds_count", names);
        Assert.Contains("sglang:cache_hit_rate", names);
        Assert.Equal(timePerOutputToken, names.Contains("sglang:time_per_output_token_seconds_count"));
        Assert.Equal(cachedTokens, names.Contains("sglang:cached_tokens_total"));
        var info = JsonNode.Parse(await http.GetStringAsync(new Uri(root, "/server_info"), Ct))!;
        Assert.Equal(image.Split(":v")[1], (string?)info["version"]);
    }

    [Theory]
    [InlineData(EnginePods.OllamaOld, "0.12.3")]
    [InlineData(EnginePods.OllamaCurrent, "0.32.15")]
    [InlineData("ollama/ollama:latest", "0.32.15")]
    public async Task Ollama_reports_the_version_of_its_image(string image, string version)
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.OllamaAsync(cluster, "o", image);
        using var http = new HttpClient();

        Assert.Equal(version, (string?)JsonNode.Parse(await http.GetStringAsync(new Uri(root, "/api/version"), Ct))!["version"]);
    }

    private static async Task<HashSet<string>> MetricNamesAfterOneChatAsync(SimulatedCluster cluster, Uri root)
    {
        _ = cluster;
        using var http = new HttpClient();
        using var chat = await http.PostAsync(new Uri(root, "/v1/chat/completions"),
            new StringContent("""{"model":"qwen","messages":[{"role":"user","content":"hello there"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, chat.StatusCode);
        return PrometheusText.Parse(await http.GetStringAsync(new Uri(root, "/metrics"), Ct)).Select(s => s.Name).ToHashSet();
    }
}
