using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>
/// The body of <c>POST /api/v1/benchmarks</c> and of the new-run form: every field but the deployment, the workload's
/// lengths and the load has a default. Numbers stay nullable so a missing field and a wrong one can be told apart.
/// </summary>
public sealed record StartBenchmark
{
    public string? Deployment { get; init; }

    public WorkloadInput? Workload { get; init; }

    public LoadInput? Load { get; init; }

    public int? RequestsPerLevel { get; init; }

    public double? MaxSecondsPerLevel { get; init; }

    /// <summary>Optional: the SLO a sweep reports the highest rate under, e.g. <c>{"ttftP95": "500ms", "itlP95": "50ms"}</c>.</summary>
    public SloInput? Slo { get; init; }
}

public sealed record WorkloadInput
{
    public int? PromptTokens { get; init; }

    public int? OutputTokens { get; init; }

    public LengthDistribution? Distribution { get; init; }

    public double? Spread { get; init; }

    public int? SharedPrefixTokens { get; init; }

    public WorkloadDataset? Dataset { get; init; }

    public int? Seed { get; init; }
}

public sealed record LoadInput
{
    public LoadKind? Kind { get; init; }

    public IReadOnlyList<double>? Levels { get; init; }

    public int? SweepSize { get; init; }

    public int? MaxConcurrency { get; init; }
}

/// <summary>An SLO as people write it: durations with a unit (<c>500ms</c>, <c>0.5s</c>), a target with one (<c>20 req/s</c>, <c>2000 tok/s</c>).</summary>
public sealed record SloInput
{
    public string? TtftP95 { get; init; }

    public string? ItlP95 { get; init; }

    /// <summary>For a recommendation: the load to serve, <c>N req/s</c> or <c>N tok/s</c> (output tokens).</summary>
    public string? Target { get; init; }

    /// <summary>For a recommendation: the share of each replica's measured rate kept free (0–0.9, default 0.2).</summary>
    public double? Headroom { get; init; }
}

/// <summary>The body of <c>POST /api/v1/benchmarks/recommendation</c>: the runs to choose from and the SLO.</summary>
public sealed record RecommendRequest
{
    public IReadOnlyList<Guid>? Runs { get; init; }

    public SloInput? Slo { get; init; }
}

/// <summary>The outcome of a benchmark command, mapped by the REST API to a status code and by pages to a message.</summary>
public abstract record BenchmarkResult
{
    public sealed record Accepted(BenchmarkRun Run) : BenchmarkResult;

    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : BenchmarkResult;

    public sealed record NotFound(Guid Id) : BenchmarkResult;

    public sealed record Conflict(string Message) : BenchmarkResult;

    public sealed record Forbidden(string Message) : BenchmarkResult;
}
