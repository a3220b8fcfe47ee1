namespace Portal.Domain.Benchmarks;

/// <summary>What a run sends: prompt and reply lengths, how they vary, a shared prefix, and the dataset.</summary>
public sealed record WorkloadSpec
{
    public int PromptTokens { get; init; } = 128;

    public int OutputTokens { get; init; } = 128;

    public LengthDistribution Distribution { get; init; } = LengthDistribution.Fixed;

    /// <summary>Relative spread of the lengths (0–1): the uniform range ratio, or the normal distribution's deviation over its mean.</summary>
    public double Spread { get; init; } = 0.25;

    /// <summary>Tokens every prompt starts with (the same text), as <c>vllm bench serve --random-prefix-len</c>: what prefix caching reuses.</summary>
    public int SharedPrefixTokens { get; init; }

    public WorkloadDataset Dataset { get; init; } = WorkloadDataset.Synthetic;

    /// <summary>Seed of the prompt and arrival generators, so a run can be repeated exactly.</summary>
    public int Seed { get; init; }
}

/// <summary>How load is offered.</summary>
public sealed record LoadSpec
{
    public LoadKind Kind { get; init; } = LoadKind.Concurrency;

    /// <summary>Concurrencies (for <see cref="LoadKind.Concurrency"/>) or request rates (for <see cref="LoadKind.Rate"/>), one step each.</summary>
    public IReadOnlyList<double> Levels { get; init; } = [];

    /// <summary>Steps of a sweep, synchronous and throughput included (GuideLLM's <c>sweep_size</c>).</summary>
    public int SweepSize { get; init; } = 6;

    /// <summary>Most requests in flight at once, in every step (the throughput step runs at this many).</summary>
    public int MaxConcurrency { get; init; } = 256;
}

/// <summary>A service-level objective on latency, in milliseconds; a missing bound is no bound.</summary>
public sealed record LatencySlo(double? TtftP95Ms, double? ItlP95Ms)
{
    public bool IsEmpty => TtftP95Ms is null && ItlP95Ms is null;

    /// <summary>Whether a step's p95 TTFT and p95 ITL are within the bounds.</summary>
    public bool IsMetBy(BenchmarkStep step) =>
        (TtftP95Ms is not { } ttft || step.Ttft.P95 <= ttft) && (ItlP95Ms is not { } itl || step.Itl.P95 <= itl) && step.Completed > 0;
}

/// <summary>Everything a run does, stored with the run so it can be read (and repeated) later.</summary>
public sealed record BenchmarkPlan
{
    public WorkloadSpec Workload { get; init; } = new();

    public LoadSpec Load { get; init; } = new();

    public int RequestsPerLevel { get; init; } = 50;

    /// <summary>Longest a step may send for; it then stops sending and waits for what is in flight.</summary>
    public double MaxSecondsPerLevel { get; init; } = 300;

    /// <summary>The SLO a sweep looks for the highest rate under, when one was stated.</summary>
    public LatencySlo? Slo { get; init; }

    /// <summary>How many steps the run has (a sweep's size, or one per level).</summary>
    public int StepCount => Load.Kind == LoadKind.Sweep ? Load.SweepSize : Load.Levels.Count;
}
