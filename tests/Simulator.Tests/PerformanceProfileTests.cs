using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Simulator.Engines;

namespace Portal.Simulator.Tests;

/// <summary>The engines' latency model: continuous batching, KV capacity, prefix caching and a computable throughput ceiling.</summary>
public sealed class PerformanceProfileTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static EngineSettings Settings(int maxBatch, double itlMs = 10, double ttftMs = 5) =>
        new(TimeSpan.FromMilliseconds(ttftMs), TimeSpan.FromMilliseconds(itlMs), maxBatch);

    private static EngineCore Core(EngineSettings settings, PerformanceProfile profile, long kvTokens = 1_000_000, bool prefixCaching = false) =>
        new(settings, profile, null, kvTokens, kvTokens, prefixCaching, NoMetrics.Instance, TimeProvider.System);

    private static string Prompt(int words, string seed) => string.Join(' ', Enumerable.Range(0, words).Select(i => $"{seed}{i}"));

    [Theory]
    [InlineData("vllm")]
    [InlineData("ollama")]
    public async Task Measured_request_rate_at_saturation_matches_the_profiles_ceiling(string engine)
    {
        var settings = Settings(maxBatch: 4);
        var profile = engine == "vllm" ? PerformanceProfile.Vllm : PerformanceProfile.Ollama;
        var core = Core(settings, profile);
        const int requests = 24, promptWords = 20, output = 16;
        var promptTokens = ReplyWriter.CountTokens(Prompt(promptWords, "w"));

        var watch = Stopwatch.StartNew();
        var summaries = await Task.WhenAll(Enumerable.Range(0, requests).Select(i =>
            core.GenerateAsync(Prompt(promptWords, $"r{i}x"), output, (_, _) => Task.CompletedTask, Ct)));
        var measured = requests / watch.Elapsed.TotalSeconds;
        var ceiling = profile.SaturationRequestsPerSecond(settings, core.Capacity, promptTokens, output);

        Assert.All(summaries, s => Assert.Equal(output, s.GenerationTokens));
        Assert.InRange(measured / ceiling, 0.7, 1.05);
    }

    [Fact]
    public void The_ceiling_grows_with_the_batch_but_less_than_linearly_and_the_KV_cache_caps_the_batch()
    {
        var settings = Settings(maxBatch: 1);
        var vllm = PerformanceProfile.Vllm;

        var one = vllm.SaturationRequestsPerSecond(settings, new EngineCapacity(1, 1_000_000), 100, 100);
        var sixteen = vllm.SaturationRequestsPerSecond(settings, new EngineCapacity(16, 1_000_000), 100, 100);
        var kvBound = vllm.SaturationRequestsPerSecond(settings, new EngineCapacity(16, 800), 100, 100);

        Assert.InRange(sixteen / one, 8, 16);
        Assert.Equal(4, PerformanceProfile.SaturationBatch(new EngineCapacity(16, 800), 100, 100));
        Assert.Equal(vllm.SaturationRequestsPerSecond(settings, new EngineCapacity(4, 1_000_000), 100, 100), kvBound, 6);
        Assert.True(PerformanceProfile.Ollama.SaturationRequestsPerSecond(settings, new EngineCapacity(16, 1_000_000), 100, 100) < sixteen,
            "llama.cpp batches less well than vLLM");
    }

    [Fact]
    public async Task Requests_beyond_the_batch_wait_and_their_time_to_first_token_grows()
    {
        var core = Core(Settings(maxBatch: 2), PerformanceProfile.Vllm);

        var running = Enumerable.Range(0, 6).Select(i => core.GenerateAsync(Prompt(5, $"q{i}"), 16, (_, _) => Task.CompletedTask, Ct)).ToList();
        await Task.Delay(30, Ct);
        var load = core.Load();
        var summaries = await Task.WhenAll(running);

        Assert.Equal(2, load.Running);
        Assert.Equal(4, load.Waiting);
        var ttfts = summaries.Select(s => s.TimeToFirstToken).Order().ToList();
        Assert.True(ttfts[^1] > ttfts[0] + TimeSpan.FromMilliseconds(250), $"first {ttfts[0]}, last {ttfts[^1]}");
        Assert.True(summaries.Max(s => s.QueueTime) > TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public async Task Too_many_tokens_in_flight_for_the_KV_cache_keep_requests_waiting_below_the_batch_limit()
    {
        // Each request holds 26 prompt + 16 reply tokens; 100 KV tokens take two at a time.
        var core = Core(Settings(maxBatch: 8), PerformanceProfile.Vllm, kvTokens: 100);

        var running = Enumerable.Range(0, 6).Select(i => core.GenerateAsync(Prompt(20, $"k{i}"), 16, (_, _) => Task.CompletedTask, Ct)).ToList();
        await Task.Delay(30, Ct);
        var load = core.Load();
        await Task.WhenAll(running);

        Assert.Equal(2, load.Running);
        Assert.Equal(4, load.Waiting);
        Assert.Equal(84, load.KvUsedTokens);
    }

    [Fact]
    public async Task A_shared_prompt_prefix_is_served_from_the_prefix_cache_and_cuts_time_to_first_token()
    {
        var core = Core(Settings(maxBatch: 4), PerformanceProfile.Sglang, prefixCaching: true);
        var system = Prompt(400, "system");

        var cold = await core.GenerateAsync(system + " first question", 4, (_, _) => Task.CompletedTask, Ct);
        var warm = await core.GenerateAsync(system + " second question", 4, (_, _) => Task.CompletedTask, Ct);

        Assert.Equal(0, cold.CachedTokens);
        Assert.Equal((int)Math.Floor(400 * ReplyWriter.TokensPerWord), warm.CachedTokens);
        Assert.True(warm.TimeToFirstToken < cold.TimeToFirstToken - TimeSpan.FromMilliseconds(25), $"cold {cold.TimeToFirstToken}, warm {warm.TimeToFirstToken}");
        Assert.InRange(core.CacheHitRate, 0.45, 0.55);
    }

    [Fact]
    public async Task SGLang_exposes_its_prefix_cache_hit_rate_and_usage_counts_the_tokens_it_used()
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.SglangAsync(cluster, "s", EnginePods.SglangCurrent);
        using var http = new HttpClient();
        var shared = Prompt(50, "ctx");

        JsonNode? last = null;
        foreach (var question in new[] { "one", "two" })
        {
            using var response = await http.PostAsJsonAsync(new Uri(root, "/v1/completions"), new { model = "qwen", prompt = $"{shared} {question}", max_tokens = 8 }, Ct);
            last = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct));
        }

        var samples = PrometheusText.Parse(await http.GetStringAsync(new Uri(root, "/metrics"), Ct));

        Assert.Equal(ReplyWriter.CountTokens($"{shared} two"), (int)last!["usage"]!["prompt_tokens"]!);
        Assert.Equal(8, (int)last["usage"]!["completion_tokens"]!);
        Assert.InRange(samples.Single(s => s.Name == "sglang:cache_hit_rate").Value, 0.3, 0.6);
        Assert.Equal(Math.Floor(50 * ReplyWriter.TokensPerWord), samples.Single(s => s.Name == "sglang:cached_tokens_total").Value);
    }
}
