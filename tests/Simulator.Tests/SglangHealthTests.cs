using System.Diagnostics;
using System.Net;
using k8s;
using k8s.Models;

namespace Portal.Simulator.Tests;

/// <summary>SGLang's /health runs a one-token generation and waits for scheduler output, polling once per interval.</summary>
public sealed class SglangHealthTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_waits_at_least_one_poll_for_scheduler_output_then_answers_200()
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.SglangAsync(cluster, "s", EnginePods.SglangCurrent);
        cluster.Engines.SglangHealthPollInterval = TimeSpan.FromMilliseconds(300);
        using var http = new HttpClient();

        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(new Uri(root, "/health"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(290), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_hung_scheduler_makes_health_time_out_with_503_after_SGLANG_HEALTH_CHECK_TIMEOUT()
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.SglangAsync(cluster, "s", EnginePods.SglangCurrent, new Dictionary<string, string> { ["SGLANG_HEALTH_CHECK_TIMEOUT"] = "1" });
        cluster.Faults.StallEngines = true;
        using var http = new HttpClient();

        var watch = Stopwatch.StartNew();
        using var health = await http.GetAsync(new Uri(root, "/health"), Ct);
        var took = watch.Elapsed;
        cluster.Faults.Clear();
        using var healthy = await http.GetAsync(new Uri(root, "/health_generate"), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.True(took >= TimeSpan.FromSeconds(1), $"answered after {took}");
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task Health_answers_while_requests_are_queued_because_running_ones_still_produce_tokens()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Engines.InterTokenLatency = TimeSpan.FromMilliseconds(20);
        var root = await EnginePods.SglangAsync(cluster, "s", EnginePods.SglangCurrent, null, "--max-running-requests", "1");
        using var http = new HttpClient();
        var busy = Enumerable.Range(0, 3).Select(i => http.PostAsync(new Uri(root, "/generate"),
            new StringContent($$$"""{"text":"busy {{{i}}}","sampling_params":{"max_new_tokens":40}}""", System.Text.Encoding.UTF8, "application/json"), Ct)).ToList();
        await Task.Delay(100, Ct);

        var watch = Stopwatch.StartNew();
        using var health = await http.GetAsync(new Uri(root, "/health"), Ct);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // Its own one-token request waits behind 40-token replies; the check only needs some output.
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(700), $"answered after {watch.Elapsed}");
        await Task.WhenAll(busy);
    }

    [Theory]
    [InlineData(EnginePods.SglangCurrent, true)]
    [InlineData(EnginePods.SglangOld, false)]
    public async Task SGLANG_ENABLE_HEALTH_ENDPOINT_GENERATION_0_makes_health_a_plain_200_from_0_5_6_on(string image, bool plain)
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.SglangAsync(cluster, "s", image, new Dictionary<string, string> { ["SGLANG_ENABLE_HEALTH_ENDPOINT_GENERATION"] = "0" });
        cluster.Engines.SglangHealthPollInterval = TimeSpan.FromMilliseconds(400);
        using var http = new HttpClient();

        var watch = Stopwatch.StartNew();
        using var health = await http.GetAsync(new Uri(root, "/health"), Ct);
        var healthTook = watch.Elapsed;
        watch.Restart();
        using var generate = await http.GetAsync(new Uri(root, "/health_generate"), Ct);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(plain, healthTook < TimeSpan.FromMilliseconds(300));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(390), "/health_generate always generates");
    }

    [Fact]
    public async Task A_readiness_probe_whose_timeout_is_shorter_than_the_health_poll_never_passes()
    {
        // Real SGLang polls once a second, so the default 1 s probe timeout races it. Here the poll is 15 probe seconds:
        // longer than the hasty pod's default timeout (1), shorter than the patient pod's (50).
        await using var cluster = await TestCluster.StartAsync();
        cluster.Engines.SglangHealthPollInterval = TestCluster.ProbeSecond * 15;
        var client = cluster.Client();
        var patient = EnginePods.StartAsync(cluster, "patient", EnginePods.SglangCurrent, ["python3", "-m", "sglang.launch_server"],
            ["--model-path", "m", "--host", "0.0.0.0", "--port", "30000"], 30000, configure: c => c.ReadinessProbe.TimeoutSeconds = 50);
        await EnginePods.StartAsync(cluster, "hasty", EnginePods.SglangCurrent, ["python3", "-m", "sglang.launch_server"],
            ["--model-path", "m", "--host", "0.0.0.0", "--port", "30000"], 30000, configure: c => c.ReadinessProbe.TimeoutSeconds = null, waitReady: false);

        await patient;
        var hasty = await client.ReadNamespacedPodAsync("hasty-0", "default", cancellationToken: Ct);

        Assert.False(hasty.Status.ContainerStatuses.Single().Ready);
    }
}
