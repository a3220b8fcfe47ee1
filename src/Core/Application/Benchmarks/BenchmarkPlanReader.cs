using System.Globalization;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>Turns a <see cref="StartBenchmark"/> into a plan, or field errors keyed like the JSON (<c>load.levels[1]</c>).</summary>
public static class BenchmarkPlanReader
{
    public const int MaxPromptTokens = 32768;
    public const int MaxOutputTokens = 8192;
    public const int MaxRequestsPerLevel = 100_000;
    public const int MaxConcurrencyLimit = 4096;
    public const int MaxSweepSize = 20;
    public const int MaxLevels = 20;

    public static BenchmarkPlan Read(StartBenchmark input, Dictionary<string, string[]> errors)
    {
        var w = input.Workload ?? new WorkloadInput();
        var l = input.Load ?? new LoadInput();
        if (input.Workload is null)
        {
            errors["workload"] = ["Give the workload: at least promptTokens and outputTokens."];
        }

        var prompt = Range(w.PromptTokens, 128, 1, MaxPromptTokens, "workload.promptTokens", "Prompt tokens", errors);
        var output = Range(w.OutputTokens, 128, 1, MaxOutputTokens, "workload.outputTokens", "Output tokens", errors);
        var spread = w.Spread ?? 0.25;
        if (spread is < 0 or > 1 || double.IsNaN(spread))
        {
            errors["workload.spread"] = ["The spread is relative to the mean length: between 0 and 1."];
        }

        var prefix = w.SharedPrefixTokens ?? 0;
        if (prefix < 0 || prefix >= prompt)
        {
            errors["workload.sharedPrefixTokens"] = [$"The shared prefix must be at least 0 and shorter than the prompt ({prompt} tokens)."];
        }

        var maxConcurrency = Range(l.MaxConcurrency, 256, 1, MaxConcurrencyLimit, "load.maxConcurrency", "The concurrency cap", errors);
        var kind = l.Kind;
        if (kind is null)
        {
            errors["load.kind"] = ["Choose the load: concurrency, rate or sweep."];
        }

        var levels = l.Levels ?? [];
        if (kind is LoadKind.Concurrency or LoadKind.Rate)
        {
            CheckLevels(kind.Value, levels, maxConcurrency, errors);
        }
        else if (kind == LoadKind.Sweep && levels.Count > 0)
        {
            errors["load.levels"] = ["A sweep finds its own rates (synchronous, throughput, then evenly between): leave out levels and set sweepSize."];
        }

        var sweepSize = Range(l.SweepSize, 6, 2, MaxSweepSize, "load.sweepSize", "A sweep's size", errors);
        var requests = Range(input.RequestsPerLevel, 50, 1, MaxRequestsPerLevel, "requestsPerLevel", "Requests per level", errors);
        var seconds = input.MaxSecondsPerLevel ?? 300;
        if (seconds <= 0 || seconds > 3600 || double.IsNaN(seconds))
        {
            errors["maxSecondsPerLevel"] = ["The longest a step may send for must be more than 0 and at most 3600 seconds."];
        }

        var slo = input.Slo is null ? null : SloParser.Parse(input.Slo, "slo", errors, needsTarget: false);
        return new BenchmarkPlan
        {
            Workload = new WorkloadSpec
            {
                PromptTokens = prompt,
                OutputTokens = output,
                Distribution = w.Distribution ?? LengthDistribution.Fixed,
                Spread = spread,
                SharedPrefixTokens = prefix,
                Dataset = w.Dataset ?? WorkloadDataset.Synthetic,
                Seed = w.Seed ?? 0,
            },
            Load = new LoadSpec { Kind = kind ?? LoadKind.Concurrency, Levels = levels.ToList(), SweepSize = sweepSize, MaxConcurrency = maxConcurrency },
            RequestsPerLevel = requests,
            MaxSecondsPerLevel = seconds,
            Slo = slo?.Latency is { IsEmpty: false } latency ? latency : null,
        };
    }

    private static void CheckLevels(LoadKind kind, IReadOnlyList<double> levels, int maxConcurrency, Dictionary<string, string[]> errors)
    {
        var what = kind == LoadKind.Rate ? "Rates" : "Concurrencies";
        if (levels.Count == 0)
        {
            errors["load.levels"] = [kind == LoadKind.Rate
                ? "Give the request rates to offer, like [2, 8, 32] (requests per second)."
                : "Give the concurrencies to run, like [1, 8, 32] (requests in flight)."];
            return;
        }

        if (levels.Count > MaxLevels)
        {
            errors["load.levels"] = [$"At most {MaxLevels} levels in one run."];
        }

        for (var i = 0; i < levels.Count; i++)
        {
            var level = levels[i];
            var field = $"load.levels[{i}]";
            if (double.IsNaN(level) || double.IsInfinity(level) || level <= 0)
            {
                errors[field] = [$"{what} must be greater than zero; {level.ToString(CultureInfo.InvariantCulture)} is not."];
            }
            else if (kind == LoadKind.Concurrency && (level != Math.Floor(level) || level > maxConcurrency))
            {
                errors[field] = [$"A concurrency is a whole number of requests from 1 to the cap ({maxConcurrency}); {level.ToString(CultureInfo.InvariantCulture)} is not."];
            }
            else if (kind == LoadKind.Rate && level > 100_000)
            {
                errors[field] = ["Rates above 100000 req/s are beyond what one portal can offer."];
            }
        }
    }

    private static int Range(int? value, int fallback, int min, int max, string field, string what, Dictionary<string, string[]> errors)
    {
        var v = value ?? fallback;
        if (v < min || v > max)
        {
            errors[field] = [$"{what} must be from {min} to {max}; {v} is not."];
        }

        return v;
    }
}
