using Portal.Application.Benchmarks;
using Portal.Domain.Benchmarks;
using Portal.Domain.Deployments;

namespace Portal.Api;

/// <summary>A latency distribution as the API writes it (milliseconds).</summary>
public sealed record LatencyResource(double P50, double P90, double P95, double P99, double Mean)
{
    public static LatencyResource From(LatencyStats s) => new(Round(s.P50), Round(s.P90), Round(s.P95), Round(s.P99), Round(s.Mean));

    private static double Round(double v) => Math.Round(v, 3);
}

/// <summary>One finished step of a run.</summary>
public sealed record BenchmarkStepResource(
    int Index,
    StepKind Kind,
    double Level,
    int Requests,
    int Completed,
    int Errors,
    IReadOnlyDictionary<string, int> ErrorKinds,
    double DurationSeconds,
    double RequestsPerSecond,
    double OutputTokensPerSecond,
    double TotalTokensPerSecond,
    long InputTokens,
    long OutputTokens,
    LatencyResource TtftMs,
    LatencyResource ItlMs,
    LatencyResource TpotMs,
    LatencyResource E2eMs,
    double? GpuUtilization,
    double? KvCacheUsage,
    double? QueueDepth,
    string? MetricsNote,
    bool? MeetsSlo,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt)
{
    public static BenchmarkStepResource From(BenchmarkStep s, LatencySlo? slo) => new(
        s.Index, s.Kind, s.Level, s.Requests, s.Completed, s.Errors, s.ErrorKinds, s.DurationSeconds,
        s.RequestsPerSecond, s.OutputTokensPerSecond, s.TotalTokensPerSecond, s.InputTokens, s.OutputTokens,
        LatencyResource.From(s.Ttft), LatencyResource.From(s.Itl), LatencyResource.From(s.Tpot), LatencyResource.From(s.E2e),
        s.GpuUtilization, s.KvCacheUsage, s.QueueDepth, s.MetricsNote, slo?.IsMetBy(s), s.StartedAt, s.FinishedAt);
}

/// <summary>Live progress of a run, while it runs on this portal.</summary>
public sealed record BenchmarkProgressResource(int Step, int Steps, string Doing, int StepDone, int StepRequests, long RequestsDone, double CurrentRate, double ElapsedSeconds, double? RemainingSeconds)
{
    public static BenchmarkProgressResource? From(RunProgress? p) => p is null ? null : new(
        p.StepIndex + 1, p.StepCount, p.Step, p.StepDone, p.StepRequests, p.RequestsDone, Math.Round(p.CurrentRate, 2),
        Math.Round(p.Elapsed.TotalSeconds, 1), p.Remaining is { } r ? Math.Round(r.TotalSeconds, 1) : null);
}

/// <summary>A run as <c>GET /api/v1/benchmarks/{id}</c> returns it: the contract's fields first, then the rest.</summary>
public sealed record BenchmarkResource(
    Guid Id,
    BenchmarkState State,
    IReadOnlyList<BenchmarkStepResource> Steps,
    string Deployment,
    string Engine,
    string ImageTag,
    string Model,
    int Replicas,
    int GpusPerReplica,
    string? GpuType,
    string? Reason,
    string RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? BestLevelMeetingSlo,
    BenchmarkPlan Plan,
    DeploymentSpec Spec,
    BenchmarkProgressResource? Progress)
{
    public static BenchmarkResource From(BenchmarkRun run, RunProgress? progress = null) => new(
        run.Id, run.State, run.Steps.Select(s => BenchmarkStepResource.From(s, run.Plan.Slo)).ToList(),
        run.DeploymentName, run.Framework, run.ImageTag, run.Model, run.Replicas, run.GpusPerReplica, run.GpuType,
        run.Reason, run.RequestedBy, run.CreatedAt, run.StartedAt, run.FinishedAt, run.BestLevelMeetingSlo, run.Plan, run.Spec,
        run.IsFinished ? null : BenchmarkProgressResource.From(progress));
}

/// <summary>One configuration's fit in a recommendation.</summary>
public sealed record FitResource(Guid Run, string Configuration, bool Meets, double? SustainedPerReplica, int? Replicas, int? Gpus, double? ShortfallPercent, string Summary)
{
    public static FitResource From(ConfigurationFit f) => new(
        f.Run.Id, f.Run.Label, f.Meets, f.SustainedPerReplica is { } s ? Math.Round(s, 3) : null, f.Replicas, f.Gpus,
        f.Shortfall is { } x ? Math.Round(x * 100, 1) : null, f.Summary);
}

/// <summary>The answer of <c>POST /api/v1/benchmarks/recommendation</c>.</summary>
public sealed record RecommendationResource(string Answer, FitResource? Choice, FitResource? Closest, IReadOnlyList<FitResource> Configurations, double Headroom, string Target)
{
    public static RecommendationResource From(Recommendation r) => new(
        r.Answer, r.Choice is null ? null : FitResource.From(r.Choice), r.Closest is null ? null : FitResource.From(r.Closest),
        r.Fits.Select(FitResource.From).ToList(), r.Objective.Headroom, r.Objective.Target?.ToString() ?? "");
}
