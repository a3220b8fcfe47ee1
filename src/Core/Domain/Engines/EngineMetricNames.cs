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

    /// <summary>Metrics the engine renamed: releases before <see cref="MetricRename.Since"/> export the former name.</summary>
    public IReadOnlyList<MetricRename> Renames { get; init; } = [];

    /// <summary>The name an older release exported for <paramref name="current"/>, or null when it was never renamed.</summary>
    public string? FormerName(string? current) => Renames.FirstOrDefault(r => r.Current == current)?.Former;

    /// <summary>The name the release in <paramref name="imageTag"/> exports for <paramref name="current"/>.</summary>
    public string NameFor(string current, string? imageTag) =>
        Renames.FirstOrDefault(r => r.Current == current) is { } rename && !EngineVersion.AtLeast(imageTag, rename.Since) ? rename.Former : current;

    /// <summary>For engines without a Prometheus endpoint (Ollama).</summary>
    public static EngineMetricNames None { get; } = new(null, null, null, null, null, null, null, null);
}

/// <summary>A metric an engine renamed in release <paramref name="Since"/>; older releases export <paramref name="Former"/>.</summary>
public sealed record MetricRename(string Current, string Former, Version Since);
