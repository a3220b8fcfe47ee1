using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>
/// The steps of a run. Fixed profiles: one step per level. A sweep follows GuideLLM's <c>SweepProfile</c>
/// (src/guidellm/benchmark/profiles/sweep.py @ 14ffe9c6): a synchronous step, then a throughput step, then
/// <c>np.linspace(synchronous_rate, throughput_rate, sweep_size − 1)[1:]</c> as Poisson-rate steps — so the last rate
/// step offers the throughput step's measured rate.
/// </summary>
public static class SweepPlanner
{
    /// <summary>The step at <paramref name="index"/>, given the steps finished so far (a sweep needs the first two).</summary>
    public static StepPlan? Next(BenchmarkPlan plan, IReadOnlyList<BenchmarkStep> finished)
    {
        var index = finished.Count;
        var duration = TimeSpan.FromSeconds(plan.MaxSecondsPerLevel);
        var cap = plan.Load.MaxConcurrency;
        var seed = HashCode.Combine(plan.Workload.Seed, index);
        if (plan.Load.Kind != LoadKind.Sweep)
        {
            if (index >= plan.Load.Levels.Count)
            {
                return null;
            }

            var kind = plan.Load.Kind == LoadKind.Rate ? StepKind.Rate : StepKind.Concurrency;
            return new StepPlan(kind, plan.Load.Levels[index], plan.RequestsPerLevel, cap, duration, seed);
        }

        switch (index)
        {
            case 0:
                return new StepPlan(StepKind.Synchronous, 1, plan.RequestsPerLevel, cap, duration, seed);
            case 1:
                return new StepPlan(StepKind.Throughput, Math.Min(cap, plan.RequestsPerLevel), plan.RequestsPerLevel, cap, duration, seed);
        }

        var rates = SweepRates(finished[0].RequestsPerSecond, finished[1].RequestsPerSecond, plan.Load.SweepSize);
        var next = index - 2;
        return next < rates.Count && rates[next] > 0
            ? new StepPlan(StepKind.Rate, rates[next], plan.RequestsPerLevel, cap, duration, seed)
            : null;
    }

    /// <summary>GuideLLM's rates between the synchronous and the throughput rate: linspace(sync, throughput, size − 1) without its first point.</summary>
    public static IReadOnlyList<double> SweepRates(double synchronous, double throughput, int sweepSize)
    {
        var points = sweepSize - 1;
        if (points < 2)
        {
            return [];
        }

        return Enumerable.Range(1, points - 1)
            .Select(i => synchronous + (throughput - synchronous) * i / (points - 1))
            .ToList();
    }
}
