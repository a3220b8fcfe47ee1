using k8s;
using OpenAI;
using OpenAI.Chat;

namespace Portal.Simulator.Tests;

public sealed class PrometheusScrapeTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prometheus_scrapes_every_GPU_and_the_vLLM_TTFT_histogram_from_the_file_SD_targets()
    {
        await using var cluster = await TestCluster.StartAsync(new SimulatorOptions
        {
            Nodes = 2,
            GpusPerNode = 2,
            ModelLoadTime = TestCluster.LoadTime,
            ContainerStartTime = TimeSpan.FromMilliseconds(20),
            TimeToFirstToken = TimeSpan.FromMilliseconds(20),
            InterTokenLatency = TimeSpan.FromMilliseconds(2),
            ProbeSecond = TestCluster.ProbeSecond,
        });
        await using var prometheus = await PrometheusServer.StartAsync(cluster.PrometheusSdPath, Ct);
        await EngineTests.DeployAsync(cluster, TestCluster.StatefulSet("qwen", 1), TestCluster.Service("qwen"));
        var chat = new ChatClient("Qwen/Qwen2.5-0.5B-Instruct", new System.ClientModel.ApiKeyCredential("none"),
            new OpenAIClientOptions { Endpoint = EngineTests.ProxyUri(cluster, "qwen", "/v1") });
        for (var i = 0; i < 5; i++)
        {
            await chat.CompleteChatAsync([new UserChatMessage($"question {i}")], cancellationToken: Ct);
        }

        var gpus = await TestCluster.EventuallyAsync(() => prometheus.QueryAsync("DCGM_FI_DEV_GPU_UTIL"), r => r.Count == 4, "4 GPU series", TimeSpan.FromSeconds(30));
        var ttft = await TestCluster.EventuallyAsync(() => prometheus.QueryAsync("""vllm:time_to_first_token_seconds_count{deployment="qwen",framework="vllm"}"""),
            r => r.Count == 1 && r[0]!["value"]![1]!.ToString() == "5", "the TTFT histogram with 5 requests", TimeSpan.FromSeconds(30));

        Assert.Equal(["gpu-node-1", "gpu-node-2"], gpus.Select(g => (string)g!["metric"]!["Hostname"]!).Distinct().Order());
        Assert.Equal("qwen-0", (string?)ttft[0]!["metric"]!["pod"]);
        var held = await prometheus.QueryAsync("""DCGM_FI_DEV_FB_USED{pod="qwen-0"}""");
        Assert.True(double.Parse((string)held.Single()!["value"]![1]!, System.Globalization.CultureInfo.InvariantCulture) > 70_000);
    }
}
