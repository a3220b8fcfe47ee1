using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>
/// Percentiles the way <c>vllm bench serve</c> reports them: <c>np.percentile</c>'s default (linear interpolation between
/// the two nearest ranks), <c>np.mean</c> and the population <c>np.std</c> (vllm/benchmarks/serve.py <c>calculate_metrics</c>
/// @ 009e6d4a). An empty list gives zeros, as numpy does for vLLM's <c>values or 0</c>.
/// </summary>
public static class LatencyMath
{
    /// <summary>The <paramref name="percent"/>-th percentile (0–100) of values sorted ascending.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = (sorted.Count - 1) * percent / 100.0;
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
    }

    public static LatencyStats Summarize(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return LatencyStats.Empty;
        }

        var mean = sorted.Average();
        var variance = sorted.Sum(v => (v - mean) * (v - mean)) / sorted.Length;
        return new LatencyStats(
            Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 95), Percentile(sorted, 99), mean, Math.Sqrt(variance));
    }
}
