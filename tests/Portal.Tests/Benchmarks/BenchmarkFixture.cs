using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Security;
using Portal.Gateway;
using Portal.Services;
using Portal.Simulator;
using Portal.TestSupport;

namespace Portal.Tests.Benchmarks;

/// <summary>
/// The portal on a simulated cluster whose engines are slow enough that a step's timing is the engine's, not the
/// machine's (decode steps of 20 ms, 50 ms before the first token, at most 8 requests in a vLLM batch), with a vLLM and
/// an Ollama deployment of the same model, ready and routed.
/// </summary>
public sealed class BenchmarkFixture : IAsyncLifetime
{
    public const string Vllm = "bench-vllm";
    public const string Ollama = "bench-ollama";
    public const string Model = "Qwen/Qwen2.5-0.5B-Instruct";
    public const int MaxBatch = 8;

    public PortalOnSimulator Env { get; private set; } = default!;

    public static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Env = await PortalOnSimulator.StartAsync(PortalOnSimulator.FastSimulator with
        {
            TimeToFirstToken = TimeSpan.FromMilliseconds(50),
            InterTokenLatency = TimeSpan.FromMilliseconds(20),
            MaxBatch = MaxBatch,
        }, cancellationToken: Ct);
        using var api = Env.ApiClient();
        await CreateAsync(api, new { name = Vllm, @namespace = "default", framework = "vllm", model = Model, replicas = 1, gpusPerReplica = 1 });
        await CreateAsync(api, new { name = Ollama, @namespace = "default", framework = "ollama", model = "qwen2.5:0.5b", replicas = 1, gpusPerReplica = 1 });
        await WaitReadyAsync(Vllm, Ollama);
    }

    public async Task CreateAsync(HttpClient api, object spec) =>
        (await api.PostAsJsonAsync("/api/v1/deployments", spec, Ct)).EnsureSuccessStatusCode();

    /// <summary>Waits until the deployments are Ready and the gateway routes each to its pods.</summary>
    public async Task WaitReadyAsync(params string[] names)
    {
        foreach (var name in names)
        {
            await Env.WaitForDeploymentAsync(name, d => d.State == "ready" && d.ReadyReplicas == d.DesiredReplicas, TimeSpan.FromSeconds(60), Ct);
        }

        var routes = Env.Portal.Services.GetRequiredService<GatewayRouteTable>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!names.All(n => routes.Current.ByDeployment.TryGetValue(n, out var route) && route.Pods.Count > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the gateway does not route {string.Join(", ", names)}");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>The first pod of a deployment as the gateway reaches it.</summary>
    public PodEndpoint PodOf(string deployment) =>
        Env.Portal.Services.GetRequiredService<GatewayRouteTable>().Current.ByDeployment[deployment].Pods[0];

    public EngineSettings Engines => Env.Cluster.Engines;

    public async Task<Guid> StartAsync(object body, HttpClient? client = null)
    {
        using var own = client is null ? Env.ApiClient() : null;
        var response = await (client ?? own!).PostAsJsonAsync("/api/v1/benchmarks", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, text);
        return Guid.Parse((string)JsonNode.Parse(text)!["id"]!);
    }

    public async Task<JsonObject> GetAsync(Guid id)
    {
        using var api = Env.ApiClient();
        return (await api.GetFromJsonAsync<JsonObject>($"/api/v1/benchmarks/{id}", Ct))!;
    }

    /// <summary>Polls the run until <paramref name="until"/> holds (a loaded machine gets a generous bound).</summary>
    public async Task<JsonObject> WaitAsync(Guid id, Func<JsonObject, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        JsonObject run;
        do
        {
            run = await GetAsync(id);
            if (until(run))
            {
                return run;
            }

            await Task.Delay(100, Ct);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"run {id} did not get there; last seen: {run.ToJsonString()}");
    }

    public Task<JsonObject> WaitFinishedAsync(Guid id) =>
        WaitAsync(id, r => (string)r["state"]! is "succeeded" or "failed" or "cancelled", TimeSpan.FromSeconds(180));

    public async Task<string> KeyForAsync(string email, string role)
    {
        await using var scope = Env.Portal.Services.CreateAsyncScope();
        var users = scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>();
        var created = await users.CreateAsync(email, "Some-pass-1", role);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors));
        var user = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == email);
        return (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(user.Id, "test", CancellationToken.None)).Key;
    }

    public ValueTask DisposeAsync() => Env.DisposeAsync();
}
