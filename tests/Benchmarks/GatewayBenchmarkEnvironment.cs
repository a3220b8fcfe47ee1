using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Gateway;
using Portal.Simulator;
using Portal.TestSupport;

namespace Portal.Benchmarks;

/// <summary>
/// The real portal on a simulated cluster with one vLLM deployment, ready and routed, plus the
/// load-generating client the gateway benchmarks share (closed loop: N workers, back to back).
/// </summary>
internal sealed class GatewayBenchmarkEnvironment : IAsyncDisposable
{
    public const string Model = "qwen-bench";

    private GatewayBenchmarkEnvironment(PortalOnSimulator env, PodEndpoint pod)
    {
        Env = env;
        Pod = pod;
    }

    public PortalOnSimulator Env { get; }

    public PodEndpoint Pod { get; }

    public EngineSettings Engines => Env.Cluster.Engines;

    public Uri GatewayChat => new(Env.Portal.BaseAddress, "v1/chat/completions");

    public Uri DirectChat => new(Pod.DestinationPrefix + "/v1/chat/completions");

    public static async Task<GatewayBenchmarkEnvironment> StartAsync(TimeSpan ttft, TimeSpan itl, CancellationToken ct)
    {
        var env = await PortalOnSimulator.StartAsync(
            new SimulatorOptions
            {
                Nodes = 1,
                ModelLoadTime = TimeSpan.FromMilliseconds(100),
                ContainerStartTime = TimeSpan.FromMilliseconds(20),
                TimeToFirstToken = ttft,
                InterTokenLatency = itl,
                MaxBatch = 4096,
                ProbeSecond = PortalOnSimulator.FastSimulator.ProbeSecond,
                SglangHealthPollInterval = PortalOnSimulator.FastSimulator.SglangHealthPollInterval,
            },
            new Dictionary<string, string?>
            {
                ["Gateway:RateLimitPerMinute"] = "10000000", // on (every request takes a permit) but never reached
                ["Logging:LogLevel:Default"] = "Error",
            },
            cancellationToken: ct);
        using var api = env.ApiClient();
        (await api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "bench", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", servedModelName = Model, replicas = 1, gpusPerReplica = 1 }, ct))
            .EnsureSuccessStatusCode();
        await env.WaitForDeploymentAsync("bench", d => d.State == "ready", TimeSpan.FromSeconds(60), ct);
        var routes = env.Portal.Services.GetRequiredService<GatewayRouteTable>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(routes.Current.ByModel.TryGetValue(Model, out var route) && route.IsServing))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the gateway never routed the benchmark model");
            }

            await Task.Delay(50, ct);
        }

        return new GatewayBenchmarkEnvironment(env, routes.Current.ByModel[Model].Deployments[0].Pods[0]);
    }

    public static HttpClient NewClient(int connections, string? apiKey)
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
        })
        {
            Timeout = TimeSpan.FromMinutes(2),
        };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    public static byte[] ChatBody(bool stream, int maxTokens) => Encoding.UTF8.GetBytes(
        $$"""{"model":"{{Model}}","stream":{{(stream ? "true" : "false")}},"max_tokens":{{maxTokens}},"messages":[{"role":"user","content":"How fast is the gateway?"}]}""");

    /// <summary>Runs <paramref name="workers"/> loops for <paramref name="duration"/>; each loop returns one sample per request.</summary>
    public static async Task<List<T>> ClosedLoopAsync<T>(int workers, TimeSpan duration, Func<int, Task<T>> once, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var samples = new List<T>();
            while (clock.Elapsed < duration && !ct.IsCancellationRequested)
            {
                samples.Add(await once(w));
            }

            return samples;
        }, ct)).ToArray();
        return (await Task.WhenAll(loops)).SelectMany(s => s).ToList();
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public ValueTask DisposeAsync() => Env.DisposeAsync();
}
