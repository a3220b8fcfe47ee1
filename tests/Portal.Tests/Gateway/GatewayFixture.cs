using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using Portal.Gateway;
using Portal.TestSupport;

namespace Portal.Tests.Gateway;

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}

/// <summary>
/// One portal on one simulated cluster for the gateway tests, with a vLLM deployment of two
/// replicas, an SGLang and an Ollama deployment, all ready and routable. Tests that change engine
/// timing share it one at a time (one collection); each test makes its own API key, so the
/// per-key rate limit (20 a minute here) is its own.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string VllmModel = "qwen-vllm";
    public const string SglangModel = "qwen-sglang";
    public const string OllamaModel = "qwen2.5:0.5b";
    public const string VllmEmbedModel = "bge-vllm";
    public const string SglangEmbedModel = "bge-sglang";
    public const string OllamaEmbedModel = "nomic-embed-text";
    public const int RateLimit = 20;
    public const int MaxBodyBytes = 64 * 1024;

    public PortalOnSimulator Env { get; private set; } = default!;

    public static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Env = await PortalOnSimulator.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Gateway:RateLimitPerMinute"] = RateLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:MaxBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var api = Env.ApiClient();
        await CreateAsync(api, new { name = "chat-vllm", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", servedModelName = VllmModel, replicas = 2, gpusPerReplica = 1 });
        await CreateAsync(api, new { name = "chat-sglang", @namespace = "default", framework = "sglang", model = "Qwen/Qwen2.5-0.5B-Instruct", servedModelName = SglangModel, replicas = 1, gpusPerReplica = 1 });
        await CreateAsync(api, new { name = "chat-ollama", @namespace = "default", framework = "ollama", model = OllamaModel, replicas = 1, gpusPerReplica = 0 });
        // Embedding models the way each engine serves them: vLLM's pooling runner, SGLang's --is-embedding, any Ollama model.
        await CreateAsync(api, new { name = "embed-vllm", @namespace = "default", framework = "vllm", model = "BAAI/bge-small-en-v1.5", servedModelName = VllmEmbedModel, replicas = 1, gpusPerReplica = 1, extraArgs = new[] { "--runner", "pooling" } });
        await CreateAsync(api, new { name = "embed-sglang", @namespace = "default", framework = "sglang", model = "BAAI/bge-small-en-v1.5", servedModelName = SglangEmbedModel, replicas = 1, gpusPerReplica = 1, extraArgs = new[] { "--is-embedding" } });
        await CreateAsync(api, new { name = "embed-ollama", @namespace = "default", framework = "ollama", model = OllamaEmbedModel, replicas = 1, gpusPerReplica = 0 });
        foreach (var name in new[] { "chat-vllm", "chat-sglang", "chat-ollama", "embed-vllm", "embed-sglang", "embed-ollama" })
        {
            await Env.WaitForDeploymentAsync(name, d => d.State == "ready" && d.ReadyReplicas == d.DesiredReplicas, TimeSpan.FromSeconds(60));
        }

        await WaitForModelsAsync(VllmModel, SglangModel, OllamaModel, VllmEmbedModel, SglangEmbedModel, OllamaEmbedModel);
    }

    public GatewayRouteTable Routes => Env.Portal.Services.GetRequiredService<GatewayRouteTable>();

    /// <summary>Waits until the gateway routes every model to all of its deployment's ready pods.</summary>
    public async Task WaitForModelsAsync(params string[] models)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!models.All(m => Routes.Current.ByModel.TryGetValue(m, out var route) && route.IsServing
                   && route.Deployments.All(d => d.Pods.Count == (d.Name == "chat-vllm" ? 2 : 1))))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the gateway does not route {string.Join(", ", models)}");
            }

            await Task.Delay(50, Ct);
        }
    }

    /// <summary>A new API key of the admin (its own rate-limit partition).</summary>
    public async Task<string> NewKeyAsync(string name = "gateway test")
    {
        using var api = Env.ApiClient();
        var response = await api.PostAsJsonAsync("/api/v1/keys", new { name }, Ct);
        response.EnsureSuccessStatusCode();
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["key"]!;
    }

    /// <summary>The official OpenAI client pointed at the gateway, with the SDK's own retries off so statuses show.</summary>
    public OpenAIClient OpenAi(string key) => new(new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri(Env.Portal.BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(60),
    });

    public HttpClient Http(string? key)
    {
        var client = new HttpClient { BaseAddress = Env.Portal.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>A pod's own engine metric, read straight from the pod (the simulator's vLLM /metrics).</summary>
    public async Task<double> EngineGaugeAsync(PodEndpoint pod, string metric)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(pod.DestinationPrefix + "/metrics", Ct);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{metric} not on {pod.Name}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task CreateAsync(HttpClient api, object body)
    {
        var response = await api.PostAsJsonAsync("/api/v1/deployments", body, Ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"creating a deployment failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
    }

    public async ValueTask DisposeAsync() => await Env.DisposeAsync();
}
