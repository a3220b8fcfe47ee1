using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Portal.Deploy.Tests.Prometheus;

/// <summary>
/// A real Prometheus (Debian's) runs deploy/prometheus/prometheus.yml with every
/// relabelling rule and both rule files as written; only Kubernetes discovery, which
/// Debian's build lacks, is replaced by file discovery of the same __meta_kubernetes_*
/// labels for a handful of pods. It scrapes fake exporters that speak the engines',
/// dcgm-exporter's and the portal's metric names, and every query of the Grafana
/// dashboard must then return data.
/// </summary>
public sealed class PrometheusScrapeTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly TempDir dir = new();
    private FakeExporters? exporters;
    private Process? prometheus;
    private Uri? api;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        exporters = await FakeExporters.StartAsync(Cancel);
        var targets = dir.Write("pods.json", DiscoveredPods(exporters).ToJsonString());
        var config = dir.Write("prometheus.yml", PrometheusConfig.WithFileDiscovery(targets, TimeSpan.FromSeconds(1)).ToJsonString());
        var port = FreePort();
        api = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo(PrometheusConfig.PrometheusBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir.Path, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        prometheus = Process.Start(start)!;
        prometheus.OutputDataReceived += (_, _) => { };
        prometheus.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.WriteLine("prometheus: " + e.Data); } };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
    }

    public async ValueTask DisposeAsync()
    {
        if (prometheus is { HasExited: false })
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
        }

        prometheus?.Dispose();
        if (exporters is not null)
        {
            await exporters.DisposeAsync();
        }

        dir.Dispose();
    }

    [Fact]
    public async Task The_scrape_config_labels_engine_targets_and_every_dashboard_query_returns_data()
    {
        // Targets: the two scraped engines (one deployed by the portal, with two ports but one
        // target; one by the model-serving chart), dcgm-exporter's port 9400 only, the portal;
        // not Ollama (scrape "false"), a failed pod, or another team's annotated pod.
        var active = await EventuallyAsync("all four targets up", async () =>
        {
            var targets = (await GetAsync("api/v1/targets?state=active"))["activeTargets"]!.AsArray();
            return targets.Count == 4 && targets.All(t => (string?)t!["health"] == "up") ? targets : null;
        });

        var engines = active.Where(t => (string?)t!["labels"]!["job"] == "inference-engines")
            .OrderBy(t => (string?)t!["labels"]!["pod"]).ToList();
        Assert.Equal(2, engines.Count);
        AssertLabels(engines[0]!, new()
        {
            ["namespace"] = "models", ["pod"] = "mistral-0", ["deployment"] = "mistral", ["framework"] = "sglang",
            ["node"] = "gpu-node-1", ["instance"] = $"127.0.0.1:{exporters!.PodsPort}", ["job"] = "inference-engines",
        });
        AssertLabels(engines[1]!, new()
        {
            ["namespace"] = "models", ["pod"] = "qwen-chat-0", ["deployment"] = "qwen-chat", ["framework"] = "vllm",
            ["node"] = "gpu-node-1", ["instance"] = $"127.0.0.1:{exporters.PodsPort}", ["job"] = "inference-engines",
        });
        Assert.Equal($"http://127.0.0.1:{exporters.PodsPort}/pods/qwen-chat-0/metrics", (string?)engines[1]!["scrapeUrl"]);

        var dcgm = Assert.Single(active, t => (string?)t!["labels"]!["job"] == "dcgm-exporter")!;
        AssertLabels(dcgm, new() { ["instance"] = $"127.0.0.1:{exporters.DcgmPort}", ["job"] = "dcgm-exporter", ["node"] = "gpu-node-1" });

        var portal = Assert.Single(active, t => (string?)t!["labels"]!["job"] == "inference-portal")!;
        AssertLabels(portal, new()
        {
            ["instance"] = $"127.0.0.1:{exporters.PodsPort}", ["job"] = "inference-portal",
            ["pod"] = "portal-inference-portal-6c9d8-x2k4p", ["portal_namespace"] = "portal-system",
        });

        // dcgm-exporter's own namespace/pod labels survive; "hostname" becomes "Hostname".
        var gpu1 = Assert.Single(await QueryAsync("DCGM_FI_DEV_GPU_UTIL{gpu=\"1\"}"))!["metric"]!;
        Assert.Equal(("gpu-node-1", "models", "mistral-0"), ((string?)gpu1["Hostname"], (string?)gpu1["namespace"], (string?)gpu1["pod"]));
        Assert.Null(gpu1["hostname"]);

        // Every dashboard query, with "All" chosen, returns a non-zero series once the
        // recording rules have run.
        var queries = Dashboard.Queries(Dashboard.Load()).Select(q => (q.Panel, Expr: Dashboard.WithAllSelected(q.Expr))).ToList();
        Assert.True(queries.Count >= 25, $"only {queries.Count} queries");
        var empty = await EventuallyAsync("every dashboard query has data", async () =>
        {
            var missing = new List<string>();
            foreach (var (panel, expr) in queries)
            {
                var result = await QueryAsync(expr);
                if (!result.Any(r => double.TryParse((string?)r!["value"]![1], System.Globalization.CultureInfo.InvariantCulture, out var v) && v != 0))
                {
                    missing.Add($"{panel}: {expr}");
                }
            }

            return missing.Count == 0 ? missing : null;
        }, lastAttempt: async () =>
        {
            var missing = new List<string>();
            foreach (var (panel, expr) in queries)
            {
                missing.Add($"{panel}: {expr} -> {(await QueryAsync(expr)).ToJsonString()}");
            }

            return string.Join('\n', missing);
        });
        Assert.Empty(empty);

        // Per-deployment series cover the three frameworks, and GPU memory is attributed
        // to the two deployments holding GPUs.
        // (Each engine's first scrapes may land a rule evaluation or two after the others'.)
        var ttft = await EventuallyAsync("TTFT of three deployments", async () =>
            await QueryAsync("deployment:time_to_first_token_seconds:p95") is { Count: 3 } all ? all : null);
        Assert.Equal(["chat/llama/ollama", "models/mistral/sglang", "models/qwen-chat/vllm"], Keys(ttft));
        var memory = await EventuallyAsync("GPU memory of two deployments", async () =>
            await QueryAsync("deployment:gpu_memory_used_bytes:sum") is { Count: 2 } all ? all : null);
        Assert.Equal(["models/mistral/sglang", "models/qwen-chat/vllm"], Keys(memory));
        Assert.Equal(74000.0 * 1048576, double.Parse((string)memory.Single(r => (string?)r!["metric"]!["deployment"] == "qwen-chat")!["value"]![1]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static JsonArray DiscoveredPods(FakeExporters exporters)
    {
        JsonObject Pod(string address, Dictionary<string, string> labels)
        {
            var all = new JsonObject { ["__meta_kubernetes_pod_ip"] = "127.0.0.1", ["__meta_kubernetes_pod_phase"] = "Running", ["__meta_kubernetes_pod_node_name"] = "gpu-node-1" };
            foreach (var (key, value) in labels)
            {
                all[key] = value;
            }

            return new JsonObject { ["targets"] = new JsonArray(address), ["labels"] = all };
        }

        Dictionary<string, string> Engine(string ns, string pod, string deployment, string framework, string scrape, int containerPort) => new()
        {
            ["__meta_kubernetes_namespace"] = ns,
            ["__meta_kubernetes_pod_name"] = pod,
            ["__meta_kubernetes_pod_label_app_kubernetes_io_name"] = framework,
            ["__meta_kubernetes_pod_label_app_kubernetes_io_instance"] = deployment,
            ["__meta_kubernetes_pod_label_app_kubernetes_io_managed_by"] = "inference-portal",
            ["__meta_kubernetes_pod_label_app_kubernetes_io_component"] = "inference",
            ["__meta_kubernetes_pod_label_inference_portal_io_framework"] = framework,
            ["__meta_kubernetes_pod_labelpresent_inference_portal_io_framework"] = "true",
            ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] = scrape,
            ["__meta_kubernetes_pod_annotation_prometheus_io_port"] = exporters.PodsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["__meta_kubernetes_pod_annotation_prometheus_io_path"] = $"/pods/{pod}/metrics",
            ["__meta_kubernetes_pod_container_port_number"] = containerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        var failed = Engine("models", "old-0", "old", "vllm", "true", 8000);
        failed["__meta_kubernetes_pod_phase"] = "Failed";
        // Another team's annotated pod, not an engine of ours.
        var otherTeam = Engine("web", "shop-0", "shop", "vllm", "true", 8080);
        otherTeam.Remove("__meta_kubernetes_pod_label_inference_portal_io_framework");
        otherTeam.Remove("__meta_kubernetes_pod_labelpresent_inference_portal_io_framework");
        // mistral is deployed with the model-serving chart (GitOps): Helm manages it.
        var chartManaged = Engine("models", "mistral-0", "mistral", "sglang", "true", 30000);
        chartManaged["__meta_kubernetes_pod_label_app_kubernetes_io_managed_by"] = "Helm";
        var dcgm = new Dictionary<string, string>
        {
            ["__meta_kubernetes_namespace"] = "gpu-operator",
            ["__meta_kubernetes_pod_name"] = "nvidia-dcgm-exporter-7xk2p",
            ["__meta_kubernetes_pod_label_app"] = "nvidia-dcgm-exporter",
            ["__meta_kubernetes_pod_container_port_number"] = "9400",
            ["__meta_kubernetes_pod_container_port_name"] = "gpu-metrics",
        };
        var dcgmOtherPort = new Dictionary<string, string>(dcgm)
        {
            ["__meta_kubernetes_pod_container_port_number"] = "5555",
            ["__meta_kubernetes_pod_container_port_name"] = "dcgm",
        };
        var portalPod = new Dictionary<string, string>
        {
            ["__meta_kubernetes_namespace"] = "portal-system",
            ["__meta_kubernetes_pod_name"] = "portal-inference-portal-6c9d8-x2k4p",
            ["__meta_kubernetes_pod_label_app_kubernetes_io_name"] = "inference-portal",
            ["__meta_kubernetes_pod_label_app_kubernetes_io_instance"] = "portal",
            ["__meta_kubernetes_pod_label_app_kubernetes_io_managed_by"] = "Helm",
            ["__meta_kubernetes_pod_container_port_number"] = "8080",
            ["__meta_kubernetes_pod_container_port_name"] = "http",
        };

        return
        [
            Pod("127.0.0.1:8000", Engine("models", "qwen-chat-0", "qwen-chat", "vllm", "true", 8000)),
            Pod("127.0.0.1:8001", Engine("models", "qwen-chat-0", "qwen-chat", "vllm", "true", 8001)),
            Pod("127.0.0.1:30000", chartManaged),
            Pod("127.0.0.1:11434", Engine("chat", "llama-0", "llama", "ollama", "false", 11434)),
            Pod("127.0.0.1:8000", failed),
            Pod("127.0.0.1:8080", otherTeam),
            Pod($"127.0.0.1:{exporters.DcgmPort}", dcgm),
            Pod($"127.0.0.1:{exporters.DcgmPort}", dcgmOtherPort),
            Pod($"127.0.0.1:{exporters.PodsPort}", portalPod),
        ];
    }

    private static void AssertLabels(JsonNode target, Dictionary<string, string> expected) =>
        Assert.Equal(
            expected.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"),
            target["labels"]!.AsObject().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    private static string[] Keys(JsonArray result) =>
        result.Select(r => $"{r!["metric"]!["namespace"]}/{r["metric"]!["deployment"]}/{r["metric"]!["framework"]}").Order(StringComparer.Ordinal).ToArray();

    private async Task<JsonArray> QueryAsync(string promql) =>
        (await GetAsync("api/v1/query?query=" + Uri.EscapeDataString(promql)))["result"]!.AsArray();

    private async Task<JsonNode> GetAsync(string path)
    {
        using var response = await Http.GetAsync(new Uri(api!, path), Cancel);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancel))!;
        Assert.True((string?)body["status"] == "success", $"{path}: {body.ToJsonString()}");
        return body["data"]!;
    }

    private static async Task<T> EventuallyAsync<T>(string what, Func<Task<T?>> attempt, Func<Task<string>>? lastAttempt = null)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if (await attempt() is { } done)
                {
                    return done;
                }
            }
            catch (HttpRequestException)
            {
                // Prometheus is still starting.
            }

            await Task.Delay(500, Cancel);
        }

        Assert.Fail($"Not within 60 s: {what}\n{(lastAttempt is null ? "" : await lastAttempt())}");
        return null!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
