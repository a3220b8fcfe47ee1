using System.Text.Json.Nodes;
using k8s;

namespace Portal.Simulator.Tests;

public sealed class KubectlTests
{
    private const string Manifest = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: qwen
          labels: {app: qwen}
        spec:
          replicas: 2
          serviceName: qwen
          selector:
            matchLabels: {app: qwen}
          template:
            metadata:
              labels: {app: qwen}
            spec:
              containers:
              - name: vllm
                image: vllm/vllm-openai:v0.10.1
                args: ["Qwen/Qwen2.5-0.5B-Instruct", "--served-model-name", "qwen", "--port", "8000"]
                ports:
                - {name: http, containerPort: 8000}
                readinessProbe:
                  httpGet: {path: /health, port: http}
                resources:
                  limits: {nvidia.com/gpu: 1}
          volumeClaimTemplates:
          - metadata: {name: model-cache}
            spec:
              accessModes: [ReadWriteOnce]
              resources:
                requests: {storage: 20Gi}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: qwen
        spec:
          selector: {app: qwen}
          ports:
          - {name: http, port: 80, targetPort: http}
        """;

    [Fact]
    public async Task Kubectl_applies_scales_and_deletes_a_statefulset_whose_pods_run()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var kubectl = new Kubectl(cluster);
        var file = Path.Combine(Path.GetTempPath(), $"manifest-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, Manifest, Xunit.TestContext.Current.CancellationToken);
        try
        {
            var applied = await kubectl.RunAsync("apply", "-f", file);
            Assert.Contains("statefulset.apps/qwen created", applied);
            Assert.Contains("service/qwen created", applied);

            var running = await TestCluster.EventuallyAsync(() => PodsAsync(kubectl),
                pods => pods.Count == 2 && pods.All(p => p.Phase == "Running" && p.Ready), "two Running, Ready pods");
            Assert.Equal(["qwen-0", "qwen-1"], running.Select(p => p.Name));

            var before = await kubectl.RunAsync("get", "statefulset", "qwen", "-o", "jsonpath={.metadata.resourceVersion}");
            await kubectl.RunAsync("apply", "-f", file);
            Assert.Equal(before, await kubectl.RunAsync("get", "statefulset", "qwen", "-o", "jsonpath={.metadata.resourceVersion}"));

            Assert.Contains("statefulset.apps/qwen scaled", await kubectl.RunAsync("scale", "statefulset", "qwen", "--replicas=3"));
            await TestCluster.EventuallyAsync(() => PodsAsync(kubectl), pods => pods.Count(p => p.Ready) == 3, "a third ready pod");
            await kubectl.RunAsync("scale", "statefulset", "qwen", "--replicas=1");
            var scaledDown = await TestCluster.EventuallyAsync(() => PodsAsync(kubectl), pods => pods.Count == 1, "scale down to one pod");
            Assert.Equal("qwen-0", scaledDown.Single().Name);

            var deleted = await kubectl.RunAsync("delete", "-f", file);
            Assert.Contains("statefulset.apps \"qwen\" deleted", deleted);
            await TestCluster.EventuallyAsync(() => PodsAsync(kubectl), pods => pods.Count == 0, "the pods to go with the StatefulSet");
            var claims = JsonNode.Parse(await kubectl.RunAsync("get", "pvc", "-o", "json"))!["items"]!.AsArray();
            Assert.Equal(3, claims.Count);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Kubectl_describe_shows_the_scheduling_events_of_a_pod()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var kubectl = new Kubectl(cluster);
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("big", 1, gpus: 9), "default", cancellationToken: Xunit.TestContext.Current.CancellationToken);

        var described = await TestCluster.EventuallyAsync(() => kubectl.RunAsync("describe", "pod", "big-0"), d => d.Contains("FailedScheduling"), "a FailedScheduling event");

        Assert.Contains("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.", described);
        Assert.Contains("default-scheduler", described);
    }

    private static async Task<List<(string Name, string Phase, bool Ready)>> PodsAsync(Kubectl kubectl)
    {
        var list = JsonNode.Parse(await kubectl.RunAsync("get", "pods", "-o", "json"))!;
        return list["items"]!.AsArray().Select(p => (
            (string)p!["metadata"]!["name"]!,
            (string?)p["status"]?["phase"] ?? "",
            p["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True") == true))
            .OrderBy(p => p.Item1).ToList();
    }
}
