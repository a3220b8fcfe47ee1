using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Simulator;

namespace Portal.Benchmarks;

/// <summary>What the simulator benchmarks share: creating workloads over plain HTTP and waiting for them.</summary>
internal static class SimulatorBenchmarkCluster
{
    public static JsonObject StatefulSet(string name, int replicas, string policy = "Parallel") => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "StatefulSet",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["serviceName"] = name,
            ["podManagementPolicy"] = policy,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "vllm",
                        ["image"] = "vllm/vllm-openai:v0.33.0",
                        ["args"] = new JsonArray("Qwen/Qwen2.5-0.5B-Instruct", "--served-model-name", "qwen", "--port", "8000"),
                        ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8000 }),
                        ["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/health", ["port"] = "http" } },
                        ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["nvidia.com/gpu"] = 1 } },
                    }),
                },
            },
        },
    };

    public static JsonObject Service(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = name },
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = "http" }),
        },
    };

    public static async Task CreateAsync(HttpClient http, SimulatedCluster cluster, string collectionPath, JsonObject obj, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(new Uri(cluster.ApiServerUrl, collectionPath), obj, ct);
        response.EnsureSuccessStatusCode();
    }

    public static async Task<JsonArray> ListAsync(HttpClient http, SimulatedCluster cluster, string path, CancellationToken ct) =>
        (await http.GetFromJsonAsync<JsonObject>(new Uri(cluster.ApiServerUrl, path), ct))!["items"]!.AsArray();

    public static async Task WaitForReadyPodsAsync(HttpClient http, SimulatedCluster cluster, int count, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var pods = await ListAsync(http, cluster, "/api/v1/pods", ct);
            var ready = pods.Count(p => p!["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True") == true);
            if (ready >= count)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"only {ready} of {count} pods became ready");
            }

            await Task.Delay(100, ct);
        }
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
