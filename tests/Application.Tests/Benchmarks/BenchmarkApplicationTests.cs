using Portal.Application.Benchmarks;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Tests.Benchmarks;

public sealed class BenchmarkApplicationTests
{
    [Fact]
    public void Percentiles_are_numpys_linear_interpolation()
    {
        // np.percentile([1, 2, 3, 4], 90) == 3.7, np.percentile([10, 20], 50) == 15, np.std([1, 2, 3, 4]) == 1.118…
        Assert.Equal(3.7, LatencyMath.Percentile([1, 2, 3, 4], 90), 10);
        Assert.Equal(15, LatencyMath.Percentile([10, 20], 50), 10);
        var stats = LatencyMath.Summarize([4, 1, 3, 2]);
        Assert.Equal(2.5, stats.P50, 10);
        Assert.Equal(Math.Sqrt(1.25), stats.Std, 10);
        Assert.Equal(LatencyStats.Empty, LatencyMath.Summarize([]));
    }

    [Fact]
    public void A_sweep_runs_synchronous_then_throughput_then_rates_evenly_up_to_the_throughput_rate()
    {
        // GuideLLM: linspace(sync, throughput, sweep_size - 1)[1:].
        Assert.Equal([4, 6, 8, 10], SweepPlanner.SweepRates(2, 10, 6).Select(r => Math.Round(r, 9)));
        var plan = new BenchmarkPlan { Load = new LoadSpec { Kind = LoadKind.Sweep, SweepSize = 4, MaxConcurrency = 64 }, RequestsPerLevel = 100 };
        Assert.Equal(StepKind.Synchronous, SweepPlanner.Next(plan, [])!.Kind);
        var sync = new BenchmarkStep { RequestsPerSecond = 1 };
        var throughput = SweepPlanner.Next(plan, [sync])!;
        Assert.Equal((StepKind.Throughput, 64, 64), (throughput.Kind, throughput.Level, throughput.Workers));
        var top = new BenchmarkStep { RequestsPerSecond = 9 };
        Assert.Equal(5, SweepPlanner.Next(plan, [sync, top])!.Level, 9);
        Assert.Equal(9, SweepPlanner.Next(plan, [sync, top, new BenchmarkStep()])!.Level, 9);
        Assert.Null(SweepPlanner.Next(plan, [sync, top, new BenchmarkStep(), new BenchmarkStep()]));
    }

    [Fact]
    public void Poisson_arrivals_span_requests_over_rate_and_their_gaps_average_one_over_rate()
    {
        var arrivals = LoadGenerator.PoissonArrivals(2000, 50, seed: 7);
        Assert.Equal(40, arrivals[^1], 9);
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, g => Assert.True(g >= 0));
        Assert.InRange(gaps.Average(), 0.019, 0.021);
        // Exponential gaps: the standard deviation is about the mean (a constant rate would have none).
        var mean = gaps.Average();
        Assert.InRange(Math.Sqrt(gaps.Average(g => (g - mean) * (g - mean))) / mean, 0.85, 1.15);
    }

    [Fact]
    public async Task A_closed_loop_keeps_exactly_its_concurrency_in_flight()
    {
        var inFlight = 0;
        var most = 0;
        var plan = new StepPlan(StepKind.Concurrency, 5, 60, 256, TimeSpan.FromMinutes(1), 1);
        var recording = await new LoadGenerator(TimeProvider.System).RunAsync(plan, async (i, _, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Delay(5, ct);
            Interlocked.Decrement(ref inFlight);
            return new RequestSample(0, 1, 2, 10, 5, [], null);
        }, null, Xunit.TestContext.Current.CancellationToken);
        Assert.Equal(60, recording.Samples.Count);
        Assert.Equal(5, most);
    }

    [Fact]
    public void Slos_need_units_and_the_recommendation_takes_the_fewest_gpus_with_the_headroom_stated()
    {
        var errors = new Dictionary<string, string[]>();
        Assert.Equal(500, SloParser.Duration("0.5s", "f", "p95 TTFT", errors));
        Assert.Equal(250, SloParser.Duration("250 ms", "f", "p95 TTFT", errors));
        Assert.Null(SloParser.Duration("250", "f", "p95 TTFT", errors));
        Assert.Contains("has no unit", errors["f"][0]);

        // A: 1 GPU per replica, 10 req/s within the SLO; B: 2 GPUs per replica, 30 req/s. Serve 40 req/s, keep 20 %.
        var a = Run("a", gpus: 1, (10, 200), (20, 900));
        var b = Run("b", gpus: 2, (30, 250));
        var objective = new ServiceObjective(new LatencySlo(300, null), new LoadTarget(40, IsTokens: false), 0.2);
        var answer = BenchmarkRecommender.Recommend([a, b], objective);
        // A: ceil(40 / 8) = 5 replicas, 5 GPUs; B: ceil(40 / 24) = 2 replicas, 4 GPUs.
        Assert.Same(b, answer.Choice!.Run);
        Assert.Equal((2, 4), (answer.Choice.Replicas!.Value, answer.Choice.Gpus!.Value));
        Assert.Equal((5, 5), (answer.Fits[0].Replicas!.Value, answer.Fits[0].Gpus!.Value));
        Assert.Contains("20 % headroom", answer.Answer);

        var none = BenchmarkRecommender.Recommend([a, b], objective with { Latency = new LatencySlo(100, null) });
        Assert.Null(none.Choice);
        Assert.Same(a, none.Closest!.Run);
        Assert.Equal(1.0, none.Closest.Shortfall!.Value, 9);
        Assert.Contains("100 % over the 100 ms bound", none.Answer);
    }

    [Fact]
    public void The_shipped_chat_turns_are_what_the_generator_makes()
    {
        var generated = ChatTurnGenerator.Generate();
        var path = Path.Combine(RepoRoot(), "src", "Core", "Application", "Benchmarks", "Data", "chat-turns.jsonl");
        if (Environment.GetEnvironmentVariable("UPDATE_CHAT_TURNS") == "1")
        {
            File.WriteAllText(path, ChatTurnGenerator.Jsonl(generated));
        }

        Assert.Equal(generated.Count, ChatTurns.All.Count);
        Assert.Equal(ChatTurnGenerator.Jsonl(generated), ChatTurnGenerator.Jsonl(ChatTurns.All));
        Assert.All(ChatTurns.All, t => Assert.Equal("user", t.Messages[^1].Role));
        var prompts = new PromptFactory(new WorkloadSpec { Dataset = WorkloadDataset.Chat }, TokenCalibration.OneTokenPerWord);
        var first = prompts.Create(0, 0);
        Assert.Contains(first, ChatTurns.All.Select(t => new PromptRequest(t.Messages, t.ReplyTokens)), new PromptComparer());
    }

    [Fact]
    public void Synthetic_prompts_follow_the_distribution_and_share_the_prefix()
    {
        var calibration = TokenCalibration.From(shortTokens: 32, longTokens: 32 + 64 * 13 / 10);
        Assert.Equal(1.3, calibration.TokensPerWord, 2);
        var prompts = new PromptFactory(new WorkloadSpec { PromptTokens = 130, OutputTokens = 100, Distribution = LengthDistribution.Uniform, Spread = 0.5, SharedPrefixTokens = 26 }, calibration);
        var made = Enumerable.Range(0, 400).Select(i => prompts.Create(3, i)).ToList();
        Assert.All(made, p => Assert.InRange(p.MaxTokens, 50, 150));
        Assert.InRange(made.Average(p => p.MaxTokens), 95, 105);
        var prefix = made[0].Messages[0].Content.Split('\n')[0];
        Assert.All(made, p => Assert.StartsWith(prefix + "\n", p.Messages[0].Content));
        Assert.Equal(prompts.Create(3, 7), prompts.Create(3, 7), new PromptComparer());
    }

    private static BenchmarkRun Run(string name, int gpus, params (double Rate, double TtftP95)[] steps) => new()
    {
        DeploymentName = name,
        Framework = "vllm",
        Replicas = 1,
        GpusPerReplica = gpus,
        Steps = steps.Select((s, i) => new BenchmarkStep
        {
            Index = i,
            Kind = StepKind.Concurrency,
            Level = i + 1,
            Completed = 10,
            RequestsPerSecond = s.Rate,
            Ttft = new LatencyStats(s.TtftP95 / 2, s.TtftP95, s.TtftP95, s.TtftP95, s.TtftP95, 0),
        }).ToList(),
    };

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Portal.sln not found above the test binaries");
    }

    private sealed class PromptComparer : IEqualityComparer<PromptRequest>
    {
        public bool Equals(PromptRequest? x, PromptRequest? y) =>
            x is not null && y is not null && x.MaxTokens == y.MaxTokens && x.Messages.SequenceEqual(y.Messages);

        public int GetHashCode(PromptRequest obj) => obj.MaxTokens;
    }
}
