using System.Globalization;
using Portal.Domain.Benchmarks;

namespace Portal.Services.Benchmarks;

/// <summary>One cell of the comparison table: the figure, and whether it is the best or the worst of its row.</summary>
public sealed record ComparisonCell(string Text, double? Value, bool Best, bool Worst, string? Difference);

/// <summary>One row: what is compared, and a cell per run.</summary>
public sealed record ComparisonRow(string Metric, IReadOnlyList<ComparisonCell> Cells);

/// <summary>
/// The runs side by side: configuration rows, then each run's peak throughput and its latencies at its heaviest
/// step, the best of a row marked (lowest latency, highest throughput, fewest GPUs) and the others' difference to the
/// first run in per cent.
/// </summary>
public static class RunComparison
{
    public static IReadOnlyList<ComparisonRow> Rows(IReadOnlyList<BenchmarkRun> runs)
    {
        var rows = new List<ComparisonRow>
        {
            Text("Engine", runs.Select(r => $"{r.Framework} {r.ImageTag}")),
            Text("Model", runs.Select(r => r.Model)),
            Text("Load", runs.Select(r => r.Plan.Load.Kind.ToString().ToLowerInvariant())),
            Text("Replicas × GPUs per replica", runs.Select(r => $"{r.Replicas} × {r.GpusPerReplica}")),
            Numbers("GPUs", runs.Select(r => (double?)r.TotalGpus), higherIsBetter: false),
            Numbers("Peak request rate (req/s)", runs.Select(r => Peak(r)?.RequestsPerSecond), higherIsBetter: true),
            Numbers("Peak output tokens/s", runs.Select(r => Peak(r)?.OutputTokensPerSecond), higherIsBetter: true),
            Numbers("p95 TTFT at peak (ms)", runs.Select(r => Peak(r)?.Ttft.P95), higherIsBetter: false),
            Numbers("p95 ITL at peak (ms)", runs.Select(r => Peak(r)?.Itl.P95), higherIsBetter: false),
            Numbers("p95 end-to-end at peak (ms)", runs.Select(r => Peak(r)?.E2e.P95), higherIsBetter: false),
            Numbers("p95 TTFT, lightest step (ms)", runs.Select(r => Lightest(r)?.Ttft.P95), higherIsBetter: false),
            Numbers("Errors", runs.Select(r => (double?)r.Steps.Sum(s => s.Errors)), higherIsBetter: false),
        };
        return rows;
    }

    /// <summary>The step with the highest request rate.</summary>
    public static BenchmarkStep? Peak(BenchmarkRun run) => run.Steps.Where(s => s.Completed > 0).MaxBy(s => s.RequestsPerSecond);

    private static BenchmarkStep? Lightest(BenchmarkRun run) => run.Steps.Where(s => s.Completed > 0).MinBy(s => s.RequestsPerSecond);

    private static ComparisonRow Text(string metric, IEnumerable<string> values) =>
        new(metric, values.Select(v => new ComparisonCell(v, null, false, false, null)).ToList());

    private static ComparisonRow Numbers(string metric, IEnumerable<double?> values, bool higherIsBetter)
    {
        var list = values.ToList();
        var known = list.OfType<double>().ToList();
        var distinct = known.Distinct().Count() > 1;
        var best = known.Count == 0 ? (double?)null : higherIsBetter ? known.Max() : known.Min();
        var worst = known.Count == 0 ? (double?)null : higherIsBetter ? known.Min() : known.Max();
        var first = list.FirstOrDefault();
        var cells = list.Select((v, i) =>
        {
            if (v is not { } value)
            {
                return new ComparisonCell("—", null, false, false, null);
            }

            var text = Format(value);
            string? difference = null;
            if (i > 0 && first is { } baseline && baseline != 0 && value != baseline)
            {
                difference = ((value - baseline) / baseline).ToString("+0%;-0%", CultureInfo.InvariantCulture);
            }

            return new ComparisonCell(text, value, distinct && value == best, distinct && value == worst, difference);
        }).ToList();
        return new ComparisonRow(metric, cells);
    }

    private static string Format(double value) => value.ToString(value >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture);
}
