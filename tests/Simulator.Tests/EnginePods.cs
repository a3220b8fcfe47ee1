using k8s;
using k8s.Models;

namespace Portal.Simulator.Tests;

/// <summary>Starts one engine pod in a test cluster and gives its address.</summary>
internal static class EnginePods
{
    public const string VllmOld = "vllm/vllm-openai:v0.10.1";
    public const string VllmCurrent = "vllm/vllm-openai:v0.33.0";
    public const string SglangOld = "lmsysorg/sglang:v0.4.10.post2";
    public const string SglangCurrent = "lmsysorg/sglang:v0.5.23";
    public const string OllamaOld = "ollama/ollama:0.12.3";
    public const string OllamaCurrent = "ollama/ollama:0.32.15";

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    public static Task<Uri> VllmAsync(SimulatedCluster cluster, string name, string image, params string[] flags) =>
        StartAsync(cluster, name, image, null, ["Qwen/Qwen2.5-0.5B-Instruct", "--served-model-name", "qwen", "--port", "8000", .. flags], 8000);

    public static Task<Uri> SglangAsync(SimulatedCluster cluster, string name, string image, IDictionary<string, string>? env = null, params string[] flags) =>
        StartAsync(cluster, name, image, ["python3", "-m", "sglang.launch_server"],
            ["--model-path", "Qwen/Qwen2.5-0.5B-Instruct", "--served-model-name", "qwen", "--host", "0.0.0.0", "--port", "30000", "--enable-metrics", .. flags], 30000, env);

    public static Task<Uri> OllamaAsync(SimulatedCluster cluster, string name, string image, IDictionary<string, string>? env = null) =>
        StartAsync(cluster, name, image, null, [], 11434, new Dictionary<string, string>(env ?? new Dictionary<string, string>()) { ["OLLAMA_HOST"] = "0.0.0.0:11434" });

    public static async Task<Uri> StartAsync(SimulatedCluster cluster, string name, string image, IList<string>? command, IList<string> args, int port,
        IDictionary<string, string>? env = null, Action<V1Container>? configure = null, bool waitReady = true)
    {
        var sts = TestCluster.StatefulSet(name, 1, image: image, command: command, args: args, port: port);
        var container = sts.Spec.Template.Spec.Containers[0];
        container.Env = env?.Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList();
        configure?.Invoke(container);
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(sts, "default", cancellationToken: Ct);
        var pod = await TestCluster.EventuallyAsync(
            async () => (await client.ListNamespacedPodAsync("default", fieldSelector: $"metadata.name={name}-0", cancellationToken: Ct)).Items.SingleOrDefault(),
            p => p?.Status?.PodIP is not null && (!waitReady || p.Status.ContainerStatuses?.All(c => c.Ready) == true), waitReady ? "ready pod" : "running pod");
        return new Uri($"http://{pod!.Status.PodIP}:{port}");
    }
}
