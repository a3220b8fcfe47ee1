using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using OpenAI;
using OpenAI.Chat;

namespace Portal.Simulator.Tests;

/// <summary>
/// The simulated HPA controller on a Pods metric read through the custom metrics API from a real Prometheus:
/// the API serves the engine's gauge per pod, and queued requests make the controller rescale with the real
/// controller's event, conditions and currentMetrics.
/// </summary>
public sealed class AutoscalingControllerTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_hpa_on_requests_waiting_rescales_from_the_custom_metrics_api_and_says_why()
    {
        var sd = Path.Combine(Directory.CreateTempSubdirectory("hpa-sd-").FullName, "targets.json");
        await using var prometheus = await PrometheusServer.StartAsync(sd, Ct);
        await using var cluster = await TestCluster.StartAsync(new SimulatorOptions
        {
            Nodes = 1,
            GpusPerNode = 4,
            ModelLoadTime = TestCluster.LoadTime,
            ContainerStartTime = TimeSpan.FromMilliseconds(20),
            TimeToFirstToken = TimeSpan.FromMilliseconds(20),
            InterTokenLatency = TimeSpan.FromMilliseconds(5),
            ProbeSecond = TestCluster.ProbeSecond,
            PrometheusSdPath = sd,
            PrometheusUrl = prometheus.Url,
            HpaSyncPeriod = TimeSpan.FromSeconds(1),
        });
        await EngineTests.DeployAsync(cluster, TestCluster.StatefulSet("qwen", 1, args: ["Qwen/Qwen2.5-0.5B-Instruct", "--port", "8000", "--max-num-seqs", "1"]), TestCluster.Service("qwen"));
        using var kube = cluster.Client();
        await kube.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "qwen" },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "StatefulSet", Name = "qwen" },
                MinReplicas = 1,
                MaxReplicas = 3,
                Metrics = [new V2MetricSpec { Type = "Pods", Pods = new V2PodsMetricSource { Metric = new V2MetricIdentifier { Name = "vllm_num_requests_waiting" }, Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("1") } } }],
            },
        }, "default", cancellationToken: Ct);

        // Six conversations at once on an engine that runs one: five wait.
        using var stop = new CancellationTokenSource();
        var chat = new ChatClient("Qwen/Qwen2.5-0.5B-Instruct", new System.ClientModel.ApiKeyCredential("none"),
            new OpenAIClientOptions { Endpoint = EngineTests.ProxyUri(cluster, "qwen", "/v1") });
        var load = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await chat.CompleteChatAsync([new UserChatMessage("wait your turn")], new ChatCompletionOptions { MaxOutputTokenCount = 40 }, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        })).ToList();
        try
        {
            using var http = new HttpClient { BaseAddress = cluster.ApiServerUrl };
            var list = await TestCluster.EventuallyAsync(
                async () => JsonNode.Parse(await http.GetStringAsync("/apis/custom.metrics.k8s.io/v1beta1/namespaces/default/pods/*/vllm_num_requests_waiting", Ct))!,
                l => l["items"]!.AsArray().Any(i => (string?)i!["describedObject"]!["name"] == "qwen-0" && (string?)i["value"] != "0"),
                "qwen-0's requests waiting through the custom metrics API", TimeSpan.FromSeconds(30));
            Assert.Equal("MetricValueList", (string?)list["kind"]);

            var hpa = await TestCluster.EventuallyAsync(
                () => kube.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("qwen", "default", cancellationToken: Ct),
                h => h.Status?.DesiredReplicas >= 2, "the HPA to want more replicas", TimeSpan.FromSeconds(30));
            Assert.Contains(hpa.Status.Conditions, c => c.Type == "AbleToScale" && c.Reason == "SucceededRescale");
            Assert.Contains(hpa.Status.Conditions, c => c.Type == "ScalingActive" && c.Status == "True" && c.Reason == "ValidMetricFound");
            Assert.Equal("vllm_num_requests_waiting", hpa.Status.CurrentMetrics.Single().Pods.Metric.Name);
            var events = await kube.CoreV1.ListNamespacedEventAsync("default", cancellationToken: Ct);
            Assert.Contains(events.Items, e => e.InvolvedObject.Kind == "HorizontalPodAutoscaler" && e.Reason == "SuccessfulRescale"
                && e.Source.Component == "horizontal-pod-autoscaler"
                && System.Text.RegularExpressions.Regex.IsMatch(e.Message, "^New size: [23]; reason: pods metric vllm_num_requests_waiting above target$"));
            Assert.True((await kube.AppsV1.ReadNamespacedStatefulSetAsync("qwen", "default", cancellationToken: Ct)).Spec.Replicas >= 2);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }
    }
}
