using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Simulator.Engines;

namespace Portal.Tests.Benchmarks;

/// <summary>
/// What a benchmark run measures against simulated engines, compared with what the simulator's performance profiles
/// imply: a vLLM sweep finds the saturation ceiling, the percentiles are those of the recorded samples, Ollama's single
/// slot saturates where vLLM's batch keeps scaling, and the recommendation is the one computed here by hand.
/// </summary>
[Collection(BenchmarkCollection.Name)]
public sealed class BenchmarkMeasurementTests(BenchmarkFixture fixture)
{
    private const int PromptTokens = 64;
    private const int OutputTokens = 32;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_vllm_sweep_finds_the_ceiling_the_profile_implies_and_its_percentiles_are_the_samples()
    {
        var id = await fixture.StartAsync(new
        {
            deployment = BenchmarkFixture.Vllm,
            workload = new { promptTokens = PromptTokens, outputTokens = OutputTokens },
            load = new { kind = "sweep", sweepSize = 4 },
            requestsPerLevel = 4 * BenchmarkFixture.MaxBatch,
            maxSecondsPerLevel = 3,
            slo = new { ttftP95 = "400ms" },
        });
        var run = await fixture.WaitFinishedAsync(id);
        Assert.True((string)run["state"]! == "succeeded", run.ToJsonString());
        var steps = run["steps"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.Equal(["synchronous", "throughput", "rate", "rate"], steps.Select(s => (string)s["kind"]!));

        // The ceiling the profile implies for what was sent (prompt tokens as the engine counted them, replies run to max_tokens).
        var throughput = steps[1];
        var meanPrompt = (double)throughput["inputTokens"]! / (int)throughput["completed"]!;
        Assert.InRange(meanPrompt, PromptTokens - 3, PromptTokens + 3);
        Assert.Equal(OutputTokens * (int)throughput["completed"]!, (long)throughput["outputTokens"]!);
        var capacity = new EngineCapacity(BenchmarkFixture.MaxBatch, EngineCapacity.KvTokensFor(BenchmarkFixture.Model, 81559, 1, 0.92));
        var implied = PerformanceProfile.Vllm.SaturationRequestsPerSecond(fixture.Engines, capacity, (int)Math.Round(meanPrompt), OutputTokens);
        var ceiling = steps.Max(s => (double)s["requestsPerSecond"]!);
        Console.WriteLine($"sweep ceiling {ceiling:0.00} req/s, the vLLM profile implies {implied:0.00} req/s ({ceiling / implied - 1:+0.0%;-0.0%}); " +
            $"steps {string.Join(", ", steps.Select(s => $"{(string)s["kind"]!} {(double)s["level"]!:0.##} → {(double)s["requestsPerSecond"]!:0.00} req/s"))}");
        Assert.InRange(ceiling, implied * 0.85, implied * 1.15);

        // The sweep's rates: evenly spaced from the synchronous rate up to the throughput rate (GuideLLM).
        var sync = (double)steps[0]["requestsPerSecond"]!;
        var top = (double)throughput["requestsPerSecond"]!;
        Assert.Equal((sync + top) / 2, (double)steps[2]["level"]!, 6);
        Assert.Equal(top, (double)steps[3]["level"]!, 6);

        // Percentiles recomputed here from the per-request samples of the detailed export.
        using var api = fixture.Env.ApiClient();
        var detailed = (await api.GetFromJsonAsync<JsonArray>($"/api/v1/benchmarks/{id}/export?format=json&detailed=true", Ct))!;
        Assert.Equal(steps.Count, detailed.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            var export = detailed[i]!.AsObject();
            var ok = Enumerable.Range(0, export["errors"]!.AsArray().Count).Where(j => (string)export["errors"]![j]! == "").ToList();
            var ttfts = ok.Select(j => (double)export["ttfts"]![j]! * 1000).ToList();
            var latencies = ok.Select(j => (double)export["latencies"]![j]! * 1000).ToList();
            var itls = ok.SelectMany(j => export["itls"]![j]!.AsArray().Select(g => (double)g! * 1000)).ToList();
            Assert.Equal((int)steps[i]["completed"]!, ttfts.Count);
            AssertPercentiles(steps[i]["ttftMs"]!, ttfts);
            AssertPercentiles(steps[i]["e2eMs"]!, latencies);
            AssertPercentiles(steps[i]["itlMs"]!, itls);
            AssertClose((double)export["p99_ttft_ms"]!, (double)steps[i]["ttftMs"]!["p99"]!, "p99_ttft_ms");
        }

        // The SLO's answer: the highest offered load among the steps within p95 TTFT 400 ms.
        var meeting = steps.Where(s => (double)s["ttftMs"]!["p95"]! <= 400).Select(s => (double)s["level"]!).ToList();
        Assert.Equal(meeting.Count == 0 ? null : meeting.Max(), (double?)run["bestLevelMeetingSlo"]);
    }

    /// <summary>The API rounds to a microsecond; the export writes seconds.</summary>
    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) < 0.002, $"{what}: expected {expected:0.######} ms, the run reports {actual:0.######} ms");

    /// <summary>numpy's default percentile, written out independently: the value at rank p·(n−1), interpolated.</summary>
    private static void AssertPercentiles(JsonNode reported, List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        foreach (var (name, p) in new[] { ("p50", 50.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0) })
        {
            var position = p / 100 * (sorted.Length - 1);
            var below = sorted[(int)Math.Floor(position)];
            var above = sorted[(int)Math.Ceiling(position)];
            var expected = below + (above - below) * (position - Math.Floor(position));
            AssertClose(expected, (double)reported[name]!, name);
        }

        AssertClose(values.Average(), (double)reported["mean"]!, "mean");
    }
}

[CollectionDefinition(Name)]
public sealed class BenchmarkCollection : ICollectionFixture<BenchmarkFixture>
{
    public const string Name = "benchmarks";
}
