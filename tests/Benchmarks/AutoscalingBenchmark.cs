using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using k8s;
using k8s.Models;
using Portal.TestSupport;

namespace Portal.Benchmarks;

/// <summary>
/// Issue 14's figures, each beside what the configured windows predict: load start to the first new replica Ready
/// (KEDA on requests waiting, min 1), idle to zero (KEDA, min 0), and what holding a request adds beyond the cold
/// start itself (response time minus the moment the pod turned Ready minus a warm request's time; goal &lt; 100 ms).
/// Prometheus scrapes every second, KEDA polls every second, the HPA syncs every second.
/// </summary>
public sealed class AutoscalingBenchmark : IBenchmark
{
    private const string Namespace = "models";
    private const int Wakes = 5;
    private const int CooldownSeconds = 3;
    private static readonly TimeSpan ModelLoad = TimeSpan.FromSeconds(2);

    public string Name => "autoscaling";

    public string Description => "time to the first new replica and idle to zero against the configured windows; latency a held request adds to a cold start";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var simulator = PortalOnSimulator.FastSimulator with { ModelLoadTime = ModelLoad };
        await using var world = await AutoscalingWorld.StartAsync(simulator: simulator, cancellationToken: cancellationToken);
        using var http = new HttpClient { BaseAddress = world.Portal.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PortalOnSimulator.AdminApiKey);

        // The windows: scrape 1 s, KEDA polling 1 s, HPA sync 1 s; the pod: container start, model load, the startup probe's period (10 probe-seconds).
        var scrape = 1.0;
        var poll = 1.0;
        var sync = 1.0;
        var probePeriod = 10 * simulator.ProbeSecond.TotalSeconds;
        var podStart = simulator.ContainerStartTime.TotalSeconds + ModelLoad.TotalSeconds;

        await world.CreateAsync(Body("bench-up", "bench-up-qwen", minReplicas: 1, engine: new { maxConcurrentSequences = 2 }), cancellationToken);
        await world.CreateAsync(Body("bench-zero", "bench-zero-qwen", minReplicas: 0, engine: null), cancellationToken);
        await world.Env.WaitForDeploymentAsync("bench-up", d => d.State == "ready", TimeSpan.FromSeconds(60), cancellationToken);
        await world.Env.WaitForDeploymentAsync("bench-zero", d => d.State == "idle", TimeSpan.FromSeconds(60), cancellationToken);

        // 1. Load start → first new replica Ready.
        using var stop = new CancellationTokenSource();
        var started = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, 24).Select(i => Task.Run(() => LoopAsync(http, "bench-up-qwen", stop.Token))).ToList();
        await world.WaitForReplicasAsync(Namespace, "bench-up", (_, ready) => ready >= 2, TimeSpan.FromSeconds(60), cancellationToken);
        var firstReplica = started.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        var predictedUp = scrape + poll + sync + podStart + probePeriod;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load start → first new replica Ready: {firstReplica:F1} s; the windows predict at most {predictedUp:F1} s (scrape {scrape} + KEDA poll {poll} + HPA sync {sync} + container and model load {podStart:F2} + startup probe period {probePeriod:F1})"));

        // 2 and 3. Wakes of the min-0 deployment: each held request, then idle → zero.
        using var kube = world.Cluster();
        var added = new List<double>();
        var cold = new List<double>();
        var toZero = new List<double>();
        for (var i = 0; i < Wakes; i++)
        {
            var readyAt = WatchReadyAsync(kube, "bench-zero", cancellationToken);
            var held = Stopwatch.StartNew();
            var sent = DateTimeOffset.UtcNow;
            using (var response = await http.PostAsJsonAsync("/v1/chat/completions", Chat("bench-zero-qwen"), cancellationToken))
            {
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsStringAsync(cancellationToken);
            }

            var total = held.Elapsed.TotalSeconds;
            var ready = (await readyAt - sent).TotalSeconds;
            var warm = await WarmAsync(http, cancellationToken);
            cold.Add(ready);
            added.Add((total - ready - warm) * 1000);

            var idle = Stopwatch.StartNew();
            await world.WaitForReplicasAsync(Namespace, "bench-zero", (replicas, _) => replicas == 0, TimeSpan.FromSeconds(60), cancellationToken);
            toZero.Add(idle.Elapsed.TotalSeconds);
            await world.Env.WaitForDeploymentAsync("bench-zero", d => d.State == "idle", TimeSpan.FromSeconds(60), cancellationToken);
        }

        // KEDA counts the cooldown from lastActiveTime (whole seconds), its last poll that found a trigger active or the
        // annotation set, which can come before the response ends; at most a scrape after the end, then a poll.
        var predictedZero = scrape + 1 + CooldownSeconds + poll;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"idle (response end) → zero: median {Median(toZero):F1} s (min {toZero.Min():F1}, max {toZero.Max():F1}) over {Wakes} wakes; the windows predict at most {predictedZero:F1} s (scrape {scrape} + lastActiveTime's whole second + cooldown {CooldownSeconds} + poll {poll}), less when KEDA's last active poll came before the response ended"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cold start (request sent → pod Ready): median {Median(cold):F2} s; the pod alone predicts {podStart + probePeriod:F2} s plus KEDA's poll (≤ {poll} s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"held request, added beyond the cold start and a warm request: median {Median(added):F0} ms, max {added.Max():F0} ms (goal < 100 ms)"));
    }

    private static object Body(string name, string served, int minReplicas, object? engine) => new
    {
        name,
        @namespace = Namespace,
        framework = "vllm",
        model = "Qwen/Qwen2.5-0.5B-Instruct",
        servedModelName = served,
        gpusPerReplica = 1,
        engine,
        autoscaling = new { mode = "Keda", metric = "requests-waiting", target = 5, minReplicas, maxReplicas = 4, cooldownSeconds = CooldownSeconds, pollingSeconds = 1 },
    };

    private static object Chat(string model) => new { model, max_tokens = 8, messages = new[] { new { role = "user", content = "Hello there." } } };

    /// <summary>The time the deployment's first pod turns Ready, as a watch on the API server sees it.</summary>
    private static async Task<DateTimeOffset> WatchReadyAsync(Kubernetes kube, string name, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = kube.CoreV1.WatchListNamespacedPodAsync(Namespace, labelSelector: $"app.kubernetes.io/instance={name}", cancellationToken: stop.Token);
        await foreach (var (_, pod) in events)
        {
            if (pod.Metadata.DeletionTimestamp is null && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
            {
                var at = DateTimeOffset.UtcNow;
                await stop.CancelAsync();
                return at;
            }
        }

        throw new InvalidOperationException("the pod watch ended before a pod was Ready");
    }

    /// <summary>Median time of a few requests to the now-warm deployment.</summary>
    private static async Task<double> WarmAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.PostAsJsonAsync("/v1/chat/completions", Chat("bench-zero-qwen"), cancellationToken);
            await response.Content.ReadAsStringAsync(cancellationToken);
            times.Add(watch.Elapsed.TotalSeconds);
        }

        return Median(times);
    }

    private static async Task LoopAsync(HttpClient http, string model, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await http.PostAsJsonAsync("/v1/chat/completions", new { model, max_tokens = 24, messages = new[] { new { role = "user", content = "Busy?" } } }, stop);
                await response.Content.ReadAsStringAsync(stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
