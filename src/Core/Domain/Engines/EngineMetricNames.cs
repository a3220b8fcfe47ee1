namespace Portal.Domain.Engines;

/// <summary>
/// The engine's own Prometheus names for the signals the dashboard and autoscaling use.
/// Histograms are named without the <c>_bucket</c>/<c>_sum</c>/<c>_count</c> suffix.
/// </summary>
public sealed record EngineMetricNames(
    string? RequestsRunning,
    string? RequestsWaiting,
    string? TimeToFirstToken,
    string? InterTokenLatency,
    string? EndToEndLatency,
    string? GenerationTokens,
    string? PromptTokens,
    string? KvCacheUsage)
{
    /// <summary>Label carrying the served model name on every series.</summary>
    public string ModelLabel { get; init; } = "model_name";

    /// <summary>For engines without a Prometheus endpoint (Ollama).</summary>
    public static EngineMetricNames None { get; } = new(null, null, null, null, null, null, null, null);
}
