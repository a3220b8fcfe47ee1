using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>
/// A step's figures from its samples, as <c>vllm bench serve</c> computes them (vllm/benchmarks/serve.py
/// <c>calculate_metrics</c> @ 009e6d4a): throughputs over the step's whole duration, TPOT per request with more than one
/// output token as (latency − TTFT) / (tokens − 1), ITL over every gap between streamed chunks of every request.
/// Token counts are the engine's <c>usage</c>.
/// </summary>
public static class StepSummarizer
{
    public static void Fill(BenchmarkStep step, IReadOnlyList<RequestSample> samples, TimeSpan duration)
    {
        var ok = samples.Where(s => s.Ok).ToList();
        var seconds = Math.Max(duration.TotalSeconds, 1e-9);
        step.Requests = samples.Count;
        step.Completed = ok.Count;
        step.Errors = samples.Count - ok.Count;
        step.ErrorKinds = samples.Where(s => !s.Ok).GroupBy(s => s.Error!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        step.DurationSeconds = duration.TotalSeconds;
        step.InputTokens = ok.Sum(s => (long)(s.PromptTokens ?? 0));
        step.OutputTokens = ok.Sum(s => (long)(s.OutputTokens ?? 0));
        step.RequestsPerSecond = ok.Count / seconds;
        step.OutputTokensPerSecond = step.OutputTokens / seconds;
        step.TotalTokensPerSecond = (step.InputTokens + step.OutputTokens) / seconds;
        step.Ttft = LatencyMath.Summarize(ok.Where(s => s.TtftMs is not null).Select(s => s.TtftMs!.Value));
        step.E2e = LatencyMath.Summarize(ok.Select(s => s.E2eMs));
        step.Tpot = LatencyMath.Summarize(ok
            .Where(s => s.OutputTokens is > 1 && s.TtftMs is not null)
            .Select(s => (s.E2eMs - s.TtftMs!.Value) / (s.OutputTokens!.Value - 1)));
        step.Itl = LatencyMath.Summarize(ok.SelectMany(s => s.ItlsMs));
    }
}
