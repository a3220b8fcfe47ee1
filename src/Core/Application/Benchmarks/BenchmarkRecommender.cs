using System.Globalization;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>How one measured configuration fares against an SLO.</summary>
public sealed record ConfigurationFit(
    BenchmarkRun Run,
    BenchmarkStep? BestStep,
    double? SustainedPerReplica,
    int? Replicas,
    int? Gpus,
    double? Shortfall,
    string Summary)
{
    public bool Meets => BestStep is not null && Replicas is not null;
}

/// <summary>The answer: the configuration that meets the SLO with the fewest GPUs (or none, and the closest), and every fit.</summary>
public sealed record Recommendation(ConfigurationFit? Choice, ConfigurationFit? Closest, IReadOnlyList<ConfigurationFit> Fits, ServiceObjective Objective, string Answer);

/// <summary>
/// Which measured engine/configuration serves a load within an SLO with the fewest GPUs. A run measured its deployment
/// through the gateway, so its sustainable rate is the highest throughput among its steps whose p95 TTFT and p95 ITL
/// meet the SLO, and one replica's share is that over the run's replicas. Replicas needed =
/// ⌈target ÷ (per-replica rate × (1 − headroom))⌉, GPUs = replicas × GPUs per replica; ties go to the larger margin.
/// When nothing meets the SLO, the closest is the step whose worst latency is nearest its bound.
/// </summary>
public static class BenchmarkRecommender
{
    public static Recommendation Recommend(IReadOnlyList<BenchmarkRun> runs, ServiceObjective objective)
    {
        var target = objective.Target ?? throw new ArgumentException("a recommendation needs a target load", nameof(objective));
        var fits = runs.Select(run => Fit(run, objective, target)).ToList();
        var choice = fits.Where(f => f.Meets)
            .OrderBy(f => f.Gpus)
            .ThenBy(f => f.Replicas)
            .ThenByDescending(f => f.SustainedPerReplica)
            .FirstOrDefault();
        ConfigurationFit? closest = null;
        string answer;
        if (choice is not null)
        {
            answer = $"{choice.Run.Label}: {choice.Replicas} replica{(choice.Replicas == 1 ? "" : "s")} × {choice.Run.GpusPerReplica} GPU = {choice.Gpus} GPU{(choice.Gpus == 1 ? "" : "s")} " +
                $"serve {target} within {Describe(objective.Latency)} (one replica sustained {F(choice.SustainedPerReplica!.Value)} {target.Unit} " +
                $"at {LevelText(choice.BestStep!)}; {objective.Headroom * 100:0} % headroom kept).";
        }
        else
        {
            closest = fits.Where(f => f.Shortfall is not null).OrderBy(f => f.Shortfall).FirstOrDefault();
            answer = closest is null
                ? $"No measured configuration meets {Describe(objective.Latency)}; none of the runs has a finished step to compare."
                : $"No measured configuration meets {Describe(objective.Latency)}. Closest: {closest.Run.Label} — {closest.Summary}";
        }

        return new Recommendation(choice, closest, fits, objective, answer);
    }

    public static string Describe(LatencySlo slo) => string.Join(" and ", new[]
    {
        slo.TtftP95Ms is { } t ? $"p95 TTFT ≤ {F(t)} ms" : null,
        slo.ItlP95Ms is { } i ? $"p95 ITL ≤ {F(i)} ms" : null,
    }.OfType<string>());

    private static ConfigurationFit Fit(BenchmarkRun run, ServiceObjective objective, LoadTarget target)
    {
        var steps = run.Steps.Where(s => s.Completed > 0).ToList();
        double Throughput(BenchmarkStep s) => target.IsTokens ? s.OutputTokensPerSecond : s.RequestsPerSecond;
        var best = steps.Where(objective.Latency.IsMetBy).OrderByDescending(Throughput).FirstOrDefault();
        if (best is not null && run.Replicas > 0)
        {
            var perReplica = Throughput(best) / run.Replicas;
            var usable = perReplica * (1 - objective.Headroom);
            if (usable > 0)
            {
                var replicas = (int)Math.Ceiling(target.Value / usable - 1e-9);
                return new ConfigurationFit(run, best, perReplica, replicas, replicas * run.GpusPerReplica, null,
                    $"meets the SLO up to {F(Throughput(best))} {target.Unit} at {LevelText(best)}: {replicas} replica{(replicas == 1 ? "" : "s")}, {replicas * run.GpusPerReplica} GPU.");
            }
        }

        // Nearest miss: the step whose worst latency ratio to its bound is smallest.
        var nearest = steps
            .Select(s => (Step: s, Ratio: Ratio(s, objective.Latency)))
            .OrderBy(x => x.Ratio.Value)
            .FirstOrDefault();
        if (nearest.Step is null)
        {
            return new ConfigurationFit(run, null, null, null, null, null, "no finished step.");
        }

        return new ConfigurationFit(run, null, null, null, null, nearest.Ratio.Value - 1,
            $"at its lightest-loaded best step ({LevelText(nearest.Step)}) {nearest.Ratio.What} is {F(nearest.Ratio.Measured)} ms, " +
            $"{(nearest.Ratio.Value - 1) * 100:0.#} % over the {F(nearest.Ratio.Bound)} ms bound.");
    }

    private static (double Value, string What, double Measured, double Bound) Ratio(BenchmarkStep step, LatencySlo slo)
    {
        var ratios = new List<(double Value, string What, double Measured, double Bound)>();
        if (slo.TtftP95Ms is { } t)
        {
            ratios.Add((step.Ttft.P95 / t, "p95 TTFT", step.Ttft.P95, t));
        }

        if (slo.ItlP95Ms is { } i)
        {
            ratios.Add((step.Itl.P95 / i, "p95 ITL", step.Itl.P95, i));
        }

        return ratios.Count == 0 ? (0, "", 0, 0) : ratios.MaxBy(r => r.Value);
    }

    public static string LevelText(BenchmarkStep step) => step.Kind switch
    {
        StepKind.Rate => $"{F(step.Level)} req/s offered",
        StepKind.Synchronous => "one request at a time",
        StepKind.Throughput => $"throughput (up to {F(step.Level)} at once)",
        _ => $"concurrency {F(step.Level)}",
    };

    private static string F(double value) => value.ToString(value >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture);
}
