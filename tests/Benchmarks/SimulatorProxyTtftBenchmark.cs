using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Simulator;

namespace Portal.Benchmarks;

/// <summary>
/// 200 concurrent streaming chats through the API server's service proxy and the same directly to the pod:
/// time to first token of both, the difference, errors, and whether any stream arrived buffered.
/// Two load shapes: a burst (200 streams released at the same instant, 3 rounds) and a closed loop
/// (200 workers streaming back to back for a few seconds, the way wrk keeps N connections busy).
/// </summary>
public sealed class SimulatorProxyTtftBenchmark : IBenchmark
{
    private const int Concurrency = 200;
    private const int Rounds = 3;

    public string Name => "simulator-proxy-ttft";

    public string Description => "service proxy added time-to-first-token, 200 concurrent streams (target < 2 ms median)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatorOptions
        {
            Nodes = 1,
            ModelLoadTime = TimeSpan.FromMilliseconds(100),
            TimeToFirstToken = TimeSpan.FromMilliseconds(20),
            InterTokenLatency = TimeSpan.FromMilliseconds(10),
            MaxBatch = 1024,
        }, cancellationToken);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, UseProxy = false }) { Timeout = TimeSpan.FromMinutes(2) };
        await SimulatorBenchmarkCluster.CreateAsync(http, cluster, "/api/v1/namespaces/default/services", SimulatorBenchmarkCluster.Service("chat"), cancellationToken);
        await SimulatorBenchmarkCluster.CreateAsync(http, cluster, "/apis/apps/v1/namespaces/default/statefulsets", SimulatorBenchmarkCluster.StatefulSet("chat", 1), cancellationToken);
        await SimulatorBenchmarkCluster.WaitForReadyPodsAsync(http, cluster, 1, cancellationToken);
        var pod = (await SimulatorBenchmarkCluster.ListAsync(http, cluster, "/api/v1/namespaces/default/pods", cancellationToken)).Single()!;
        var direct = new Uri($"http://{(string)pod["status"]!["podIP"]!}:8000/v1/chat/completions");
        var proxied = new Uri(cluster.ApiServerUrl, "/api/v1/namespaces/default/services/chat:http/proxy/v1/chat/completions");

        await RunRoundAsync(http, direct, 20, cancellationToken);
        await RunRoundAsync(http, proxied, 20, cancellationToken);
        var directRuns = new List<Stream>();
        var proxyRuns = new List<Stream>();
        for (var round = 0; round < Rounds; round++)
        {
            directRuns.AddRange(await RunRoundAsync(http, direct, Concurrency, cancellationToken));
            proxyRuns.AddRange(await RunRoundAsync(http, proxied, Concurrency, cancellationToken));
        }

        Console.WriteLine($"burst: {Concurrency} streams released together, {Rounds} rounds each");
        Compare(directRuns, proxyRuns);

        var directLoop = await ClosedLoopAsync(http, direct, cancellationToken);
        var proxyLoop = await ClosedLoopAsync(http, proxied, cancellationToken);
        Console.WriteLine($"closed loop: {Concurrency} workers streaming back to back for {LoopDuration.TotalSeconds:0} s each way");
        Compare(directLoop, proxyLoop);
    }

    private static readonly TimeSpan LoopDuration = TimeSpan.FromSeconds(4);

    private static async Task<List<Stream>> ClosedLoopAsync(HttpClient http, Uri uri, CancellationToken ct)
    {
        var until = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, Concurrency).Select(w => Task.Run(async () =>
        {
            var results = new List<Stream>();
            await Task.Delay(Random.Shared.Next(200), ct);
            for (var i = 0; until.Elapsed < LoopDuration; i++)
            {
                results.Add(await StreamOnceAsync(http, uri, w * 1000 + i, ct));
            }

            return results;
        }, ct)).ToArray();
        return (await Task.WhenAll(workers)).SelectMany(r => r).ToList();
    }

    private static void Compare(List<Stream> directRuns, List<Stream> proxyRuns)
    {
        Report("direct to pod", directRuns);
        Report("service proxy", proxyRuns);
        var directTtft = Sorted(directRuns.Where(r => r.Error is null).Select(r => r.FirstToken.TotalMilliseconds));
        var proxyTtft = Sorted(proxyRuns.Where(r => r.Error is null).Select(r => r.FirstToken.TotalMilliseconds));
        Console.WriteLine($"proxy added TTFT: median {SimulatorBenchmarkCluster.Percentile(proxyTtft, 0.5) - SimulatorBenchmarkCluster.Percentile(directTtft, 0.5):+0.00;-0.00} ms, " +
            $"p95 {SimulatorBenchmarkCluster.Percentile(proxyTtft, 0.95) - SimulatorBenchmarkCluster.Percentile(directTtft, 0.95):+0.00;-0.00} ms, " +
            $"p99 {SimulatorBenchmarkCluster.Percentile(proxyTtft, 0.99) - SimulatorBenchmarkCluster.Percentile(directTtft, 0.99):+0.00;-0.00} ms (target: median < 2 ms)");
    }

    private static void Report(string label, List<Stream> runs)
    {
        var ok = runs.Where(r => r.Error is null).ToList();
        var ttft = Sorted(ok.Select(r => r.FirstToken.TotalMilliseconds));
        // Unbuffered: the first token reaches the client well before the last one is generated.
        var buffered = ok.Count(r => r.LastToken - r.FirstToken < TimeSpan.FromMilliseconds(10 * (r.Tokens - 1) / 2.0));
        Console.WriteLine($"{label,-14} streams {runs.Count}, errors {runs.Count - ok.Count}, buffered {buffered}, " +
            $"TTFT median {SimulatorBenchmarkCluster.Percentile(ttft, 0.5):0.00} ms, p95 {SimulatorBenchmarkCluster.Percentile(ttft, 0.95):0.00} ms, p99 {SimulatorBenchmarkCluster.Percentile(ttft, 0.99):0.00} ms");
        foreach (var error in ok.Count == runs.Count ? [] : runs.Where(r => r.Error is not null).Select(r => r.Error).Distinct().Take(3))
        {
            Console.WriteLine($"  error: {error}");
        }
    }

    private static List<double> Sorted(IEnumerable<double> values) => values.Order().ToList();

    private static async Task<Stream[]> RunRoundAsync(HttpClient http, Uri uri, int concurrency, CancellationToken ct)
    {
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync(ct);
            return await StreamOnceAsync(http, uri, i, ct);
        }, ct)).ToArray();
        start.Release(concurrency);
        return await Task.WhenAll(tasks);
    }

    private static async Task<Stream> StreamOnceAsync(HttpClient http, Uri uri, int i, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["model"] = "qwen",
            ["stream"] = true,
            ["max_tokens"] = 16,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"question {i}" }),
        };
        var watch = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body) };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
            TimeSpan? first = null;
            var last = TimeSpan.Zero;
            var tokens = 0;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("data: {", StringComparison.Ordinal) && line.Contains("\"content\":\"", StringComparison.Ordinal) && !line.Contains("\"content\":\"\"", StringComparison.Ordinal))
                {
                    first ??= watch.Elapsed;
                    last = watch.Elapsed;
                    tokens++;
                }
            }

            return first is null ? new Stream(TimeSpan.Zero, TimeSpan.Zero, 0, "no content frames") : new Stream(first.Value, last, tokens, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return new Stream(TimeSpan.Zero, TimeSpan.Zero, 0, e.Message);
        }
    }

    private sealed record Stream(TimeSpan FirstToken, TimeSpan LastToken, int Tokens, string? Error);
}
