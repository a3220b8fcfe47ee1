using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Portal.Benchmarks;

/// <summary>
/// Non-streaming requests with the engine's latency at zero, three ways in one run: straight to the
/// engine, through a bare YARP forwarder (no auth, no routing: the floor), and through the full
/// gateway (key check, routing, rate limit, metrics). Issue 8's target: the gateway keeps at least
/// 60 % of the bare forwarder's requests per second.
/// </summary>
public sealed class GatewayThroughputBenchmark : IBenchmark
{
    private const int Connections = 32;
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(5);

    public string Name => "gateway-throughput";

    public string Description => "non-streaming req/s: engine vs bare YARP forwarder vs full gateway (target: gateway >= 60 % of bare)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var bench = await GatewayBenchmarkEnvironment.StartAsync(TimeSpan.Zero, TimeSpan.Zero, cancellationToken);
        await using var bare = await StartBareForwarderAsync(bench.Pod.DestinationPrefix, cancellationToken);
        var body = GatewayBenchmarkEnvironment.ChatBody(stream: false, maxTokens: 8);
        var paths = new (string Label, Uri Uri, string? Key)[]
        {
            ("engine direct", bench.DirectChat, null),
            ("bare YARP", new Uri(bare.Urls.First() + "/v1/chat/completions"), null),
            ("full gateway", bench.GatewayChat, Portal.TestSupport.PortalOnSimulator.AdminApiKey),
        };

        var results = new Dictionary<string, List<Result>>();
        foreach (var (label, uri, key) in paths)
        {
            using var warm = GatewayBenchmarkEnvironment.NewClient(Connections, key);
            await GatewayBenchmarkEnvironment.ClosedLoopAsync(Connections, TimeSpan.FromSeconds(1), _ => SendAsync(warm, uri, body, cancellationToken), cancellationToken);
            results[label] = [];
        }

        // Two rounds each, interleaved, so drift in machine load hits all three alike.
        for (var round = 0; round < 2; round++)
        {
            foreach (var (label, uri, key) in paths)
            {
                using var http = GatewayBenchmarkEnvironment.NewClient(Connections, key);
                var clock = Stopwatch.StartNew();
                var samples = await GatewayBenchmarkEnvironment.ClosedLoopAsync(Connections, Round, _ => SendAsync(http, uri, body, cancellationToken), cancellationToken);
                results[label].Add(new Result(samples.Count(s => s.Ok) / clock.Elapsed.TotalSeconds, samples.Count(s => !s.Ok),
                    samples.Where(s => s.Ok).Select(s => s.Milliseconds).Order().ToList()));
            }
        }

        Console.WriteLine($"non-streaming chat, engine TTFT and inter-token latency 0, 8 tokens, {Connections} connections, closed loop, 2 × {Round.TotalSeconds:0} s each, interleaved");
        var rates = new Dictionary<string, double>();
        foreach (var (label, _, _) in paths)
        {
            var rounds = results[label];
            var rate = rounds.Average(r => r.PerSecond);
            rates[label] = rate;
            var latencies = rounds.SelectMany(r => r.Latencies).Order().ToList();
            Console.WriteLine($"{label,-13} {rate,8:0} req/s (rounds {string.Join(" / ", rounds.Select(r => r.PerSecond.ToString("0")))}), errors {rounds.Sum(r => r.Errors)}, " +
                $"latency p50 {GatewayBenchmarkEnvironment.Percentile(latencies, 0.5):0.00} ms, p99 {GatewayBenchmarkEnvironment.Percentile(latencies, 0.99):0.00} ms");
        }

        var ratio = rates["full gateway"] / rates["bare YARP"];
        Console.WriteLine($"bare YARP / engine direct: {rates["bare YARP"] / rates["engine direct"]:0.00}; full gateway / engine direct: {rates["full gateway"] / rates["engine direct"]:0.00}");
        Console.WriteLine($"full gateway / bare YARP: {ratio:0.00} (target >= 0.60: {(ratio >= 0.6 ? "met" : "NOT met")})");
    }

    internal static async Task<WebApplication> StartBareForwarderAsync(string destination, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
        });
        var config = new ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        app.Map("/{**rest}", async context => await forwarder.SendAsync(context, destination, invoker, config, HttpTransformer.Default));
        await app.StartAsync(ct);
        return app;
    }

    private static async Task<Sample> SendAsync(HttpClient http, Uri uri, byte[] body, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(uri, content, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            return new Sample(response.IsSuccessStatusCode, clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return new Sample(false, 0);
        }
    }

    private sealed record Sample(bool Ok, double Milliseconds);

    private sealed record Result(double PerSecond, int Errors, List<double> Latencies);
}
