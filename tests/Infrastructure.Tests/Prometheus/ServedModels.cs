using System.Net.Http.Json;
using k8s;
using k8s.Models;
using Portal.Domain.Deployments;
using Portal.Domain.Manifests;
using Portal.Simulator;
using Portal.TestSupport;

namespace Portal.Infrastructure.Tests.Prometheus;

/// <summary>
/// One model server per framework, rendered by the portal's ManifestRenderer and applied to a simulated cluster,
/// scraped by a real Prometheus, with chat requests sent to the vLLM and SGLang pods the whole time, so rates
/// and latency percentiles have data. Shared by a test class.
/// </summary>
public sealed class ServedModels : IAsyncLifetime
{
    public static readonly DeploymentSpec Vllm = Spec("cat-vllm", "vllm", "Qwen/Qwen2.5-0.5B-Instruct");
    public static readonly DeploymentSpec Sglang = Spec("cat-sglang", "sglang", "Qwen/Qwen2.5-0.5B-Instruct");
    public static readonly DeploymentSpec Ollama = Spec("cat-ollama", "ollama", "qwen2.5:0.5b");

    /// <summary>vLLM's release of a year ago (the portal's former default): it exports time_per_output_token, not inter_token_latency.</summary>
    public static readonly DeploymentSpec VllmOld = Spec("cat-vllm-old", "vllm", "Qwen/Qwen2.5-0.5B-Instruct") with { ImageTag = "v0.10.1" };

    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Task _load = Task.CompletedTask;

    public SimulatedCluster Cluster { get; private set; } = default!;

    public PrometheusServer Prometheus { get; private set; } = default!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await SimulatedCluster.StartAsync(new SimulatorOptions
        {
            Nodes = 1,
            GpusPerNode = 4,
            ModelLoadTime = TimeSpan.FromMilliseconds(200),
            ContainerStartTime = TimeSpan.FromMilliseconds(20),
            TimeToFirstToken = TimeSpan.FromMilliseconds(30),
            InterTokenLatency = TimeSpan.FromMilliseconds(3),
            OllamaPullDuration = TimeSpan.FromMilliseconds(100),
            ProbeSecond = PortalOnSimulator.FastSimulator.ProbeSecond,
            SglangHealthPollInterval = PortalOnSimulator.FastSimulator.SglangHealthPollInterval,
        }, CancellationToken.None);
        Prometheus = await PrometheusServer.StartAsync(Cluster.PrometheusSdPath);

        using var kubernetes = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Cluster.ApiServerUrl.ToString() });
        var endpoints = new List<(Uri Url, string Model)>();
        foreach (var spec in new[] { Vllm, VllmOld, Sglang, Ollama })
        {
            var manifests = ManifestRenderer.Render(spec, revision: 1);
            await kubernetes.AppsV1.CreateNamespacedStatefulSetAsync(manifests.StatefulSet, spec.Namespace);
            await kubernetes.CoreV1.CreateNamespacedServiceAsync(manifests.Service, spec.Namespace);
        }

        foreach (var spec in new[] { Vllm, VllmOld, Sglang })
        {
            var pod = await ReadyPodAsync(kubernetes, spec);
            var port = spec.Framework == "vllm" ? 8000 : 30000;
            endpoints.Add((new Uri($"http://{pod.Status.PodIP}:{port}/v1/chat/completions"), spec.Model));
        }

        await ReadyPodAsync(kubernetes, Ollama);
        _load = Task.Run(() => LoadAsync(endpoints, _stop.Token));

        // Rates need two scrapes that saw the counters move: wait until both engines show a request rate.
        await Prometheus.WaitForSeriesAsync(
            "sum by (deployment) (rate(vllm:e2e_request_latency_seconds_count[1m]) > 0 or rate(sglang:e2e_request_latency_seconds_count[1m]) > 0)",
            atLeast: 3, timeout: TimeSpan.FromSeconds(40));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _load;
        _http.Dispose();
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        _stop.Dispose();
    }

    private async Task LoadAsync(IReadOnlyList<(Uri Url, string Model)> endpoints, CancellationToken ct)
    {
        var i = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.WhenAll(endpoints.Select(async e =>
                {
                    using var response = await _http.PostAsJsonAsync(e.Url, new
                    {
                        model = e.Model,
                        messages = new[] { new { role = "user", content = $"question {i}" } },
                        max_tokens = 8,
                    }, ct);
                    response.EnsureSuccessStatusCode();
                }));
                i++;
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static async Task<V1Pod> ReadyPodAsync(k8s.Kubernetes kubernetes, DeploymentSpec spec)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var pods = await kubernetes.CoreV1.ListNamespacedPodAsync(spec.Namespace, labelSelector: PortalLabels.SelectorFor(spec.Name));
            var ready = pods.Items.FirstOrDefault(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
            if (ready is not null)
            {
                return ready;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{spec.Name} has no ready pod");
            }

            await Task.Delay(50);
        }
    }

    private static DeploymentSpec Spec(string name, string framework, string model) => new()
    {
        Name = name,
        Namespace = "default",
        Framework = framework,
        Model = model,
        Replicas = 1,
        GpusPerReplica = 1,
    };
}
