namespace Portal.Domain.Manifests;

/// <summary>Cluster-wide settings the renderer needs beyond the spec.</summary>
public sealed record RenderOptions
{
    public static RenderOptions Default { get; } = new();

    /// <summary>Prometheus that KEDA's prometheus trigger queries.</summary>
    public string PrometheusServerAddress { get; init; } = "http://prometheus-operated.monitoring.svc:9090";

    /// <summary>
    /// Series label that the scrape config copies from the pod label <c>app.kubernetes.io/instance</c>;
    /// KEDA queries filter on it and on <c>namespace</c>.
    /// </summary>
    public string DeploymentSeriesLabel { get; init; } = "deployment";

    /// <summary>Access mode of the model-cache volume claims.</summary>
    public string CacheAccessMode { get; init; } = "ReadWriteOnce";
}
