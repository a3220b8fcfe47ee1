using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Benchmarks;
using Portal.Application.Ports;
using Portal.Domain.Benchmarks;

namespace Portal.Benchmarks;

/// <summary>
/// The benchmark runner's own overhead (issue 15): tiny non-streaming chat requests against a simulated vLLM pod with
/// zero engine latency, in one run: a direct HTTP loop (32 workers back to back) against the portal's load generator
/// at concurrency 32 sending the same way (a prompt built per request, the reply parsed for usage, a sample recorded).
/// Target: the load generator sustains at least 2,000 req/s and adds less than 1 ms to the median. A third line shows
/// the load generator through the portal's in-process gateway, as a real run sends.
/// </summary>
public sealed class LoadGeneratorOverheadBenchmark : IBenchmark
{
    private const int Workers = 32;
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(5);

    public string Name => "loadgen-overhead";

    public string Description => "tiny non-streaming req/s and p50: direct HTTP loop vs the benchmark load generator (target >= 2,000 req/s, < 1 ms added p50)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var bench = await GatewayBenchmarkEnvironment.StartAsync(TimeSpan.Zero, TimeSpan.Zero, cancellationToken);
        using var http = GatewayBenchmarkEnvironment.NewClient(Workers, apiKey: null);
        var prompt = PromptFactory.WarmUp(8, seed: 1);
        var body = CompletionExchange.RequestBody(GatewayBenchmarkEnvironment.Model, prompt with { MaxTokens = 1 }, stream: false);
        var direct = new HttpGateway(http, bench.DirectChat);
        var inProcess = bench.Env.Portal.Services.GetRequiredService<IInferenceGateway>();
        var sides = new (string Label, Func<CancellationToken, Task<Result>> Run)[]
        {
            ("direct HTTP loop", ct => DirectLoopAsync(http, bench.DirectChat, body, ct)),
            ("load generator", ct => LoadGeneratorAsync(direct, "bench", ct)),
            ("load generator via gateway", ct => LoadGeneratorAsync(inProcess, "bench", ct)),
        };

        foreach (var (_, run) in sides)
        {
            await run(cancellationToken); // warm-up round
        }

        var results = sides.ToDictionary(s => s.Label, _ => new List<Result>());
        for (var round = 0; round < 2; round++)
        {
            foreach (var (label, run) in sides)
            {
                results[label].Add(await run(cancellationToken));
            }
        }

        Console.WriteLine($"non-streaming chat, max_tokens 1, engine latency 0, {Workers} in flight, 2 × {Round.TotalSeconds:0} s each, interleaved");
        foreach (var (label, _) in sides)
        {
            var rounds = results[label];
            var latencies = rounds.SelectMany(r => r.Latencies).Order().ToList();
            Console.WriteLine($"{label,-27} {rounds.Average(r => r.PerSecond),8:0} req/s (rounds {string.Join(" / ", rounds.Select(r => r.PerSecond.ToString("0")))}), " +
                $"errors {rounds.Sum(r => r.Errors)}, p50 {LatencyMath.Percentile(latencies, 50):0.000} ms, p99 {LatencyMath.Percentile(latencies, 99):0.000} ms");
        }

        var loop = results["direct HTTP loop"].SelectMany(r => r.Latencies).Order().ToList();
        var generator = results["load generator"].SelectMany(r => r.Latencies).Order().ToList();
        var rate = results["load generator"].Average(r => r.PerSecond);
        var added = LatencyMath.Percentile(generator, 50) - LatencyMath.Percentile(loop, 50);
        Console.WriteLine($"load generator: {rate:0} req/s (target >= 2000: {(rate >= 2000 ? "met" : "NOT met")}), " +
            $"adds {added:+0.000;-0.000} ms to the median (target < 1 ms: {(added < 1 ? "met" : "NOT met")})");
    }

    private static async Task<Result> DirectLoopAsync(HttpClient http, Uri uri, byte[] body, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var samples = await GatewayBenchmarkEnvironment.ClosedLoopAsync(Workers, Round, async _ =>
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync(uri, content, ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                return (Ok: response.IsSuccessStatusCode, Ms: Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            catch (HttpRequestException)
            {
                return (Ok: false, Ms: 0.0);
            }
        }, ct);
        return new Result(samples.Count(s => s.Ok) / clock.Elapsed.TotalSeconds, samples.Count(s => !s.Ok), samples.Where(s => s.Ok).Select(s => s.Ms).ToList());
    }

    /// <summary>The product's load generator, one closed-loop step of <see cref="Workers"/> bounded by time, sending as a run does.</summary>
    private static async Task<Result> LoadGeneratorAsync(IInferenceGateway gateway, string deployment, CancellationToken ct)
    {
        var time = TimeProvider.System;
        var sender = new RequestSender(gateway, time, deployment, GatewayBenchmarkEnvironment.Model, "benchmark overhead", TimeSpan.FromSeconds(30), stream: false);
        var prompts = new PromptFactory(new WorkloadSpec { PromptTokens = 8, OutputTokens = 1 }, TokenCalibration.OneTokenPerWord);
        var plan = new StepPlan(StepKind.Concurrency, Workers, 10_000_000, Workers, Round, Seed: 1);
        var recording = await new LoadGenerator(time).RunAsync(plan, (i, start, token) => sender.SendAsync(prompts.Create(1, i), start, token), null, ct);
        var ok = recording.Samples.Where(s => s.Ok).ToList();
        return new Result(ok.Count / recording.Duration.TotalSeconds, recording.Samples.Count - ok.Count, ok.Select(s => s.E2eMs).ToList());
    }

    /// <summary>Straight to the engine pod over HTTP, for the load generator's side of the comparison.</summary>
    private sealed class HttpGateway(HttpClient http, Uri uri) : IInferenceGateway
    {
        public async Task<InferenceResponse> SendAsync(string deployment, ReadOnlyMemory<byte> json, string requester, CancellationToken cancellationToken)
        {
            var content = new ReadOnlyMemoryContent(json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var response = await http.PostAsync(uri, content, cancellationToken);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new InferenceResponse((int)response.StatusCode, body, () =>
            {
                response.Dispose();
                content.Dispose();
                return ValueTask.CompletedTask;
            });
        }
    }

    private sealed record Result(double PerSecond, int Errors, List<double> Latencies);
}
