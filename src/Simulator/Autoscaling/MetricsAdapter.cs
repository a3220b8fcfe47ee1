using System.Text.RegularExpressions;

namespace Portal.Simulator.Autoscaling;

/// <summary>An external metric served to the HPA controller (KEDA registers its triggers here, as its metrics server does).</summary>
internal interface IExternalMetricSource
{
    /// <summary>The values of <paramref name="metricName"/> selected by <paramref name="selector"/>, or null when this source does not serve it.</summary>
    Task<IReadOnlyList<double>?> ValuesAsync(string ns, string metricName, IReadOnlyDictionary<string, string> selector, CancellationToken cancellationToken);
}

/// <summary>
/// The custom and external metrics APIs (<c>custom.metrics.k8s.io/v1beta1</c>, <c>external.metrics.k8s.io/v1beta1</c>)
/// as prometheus-adapter serves them from Prometheus. Pods metrics follow the adapter's default discovery: a series
/// with <c>namespace</c> and <c>pod</c> labels is a pod metric, its name with every character outside
/// <c>[A-Za-z0-9_]</c> made <c>_</c> (so <c>vllm:num_requests_waiting</c> is <c>vllm_num_requests_waiting</c>), and
/// its value per pod is the adapter's default <c>metricsQuery</c>, <c>sum(&lt;&lt;.Series&gt;&gt;{&lt;&lt;.LabelMatchers&gt;&gt;}) by (&lt;&lt;.GroupBy&gt;&gt;)</c>.
/// External metrics come from the registered sources (KEDA's metrics server).
/// </summary>
internal sealed partial class MetricsAdapter(PrometheusQueries prometheus)
{
    private readonly List<IExternalMetricSource> _external = [];

    public void Register(IExternalMetricSource source)
    {
        lock (_external)
        {
            _external.Add(source);
        }
    }

    /// <summary>The metric's value per pod, for the named pods of one namespace (pods without a series are left out).</summary>
    public async Task<IReadOnlyDictionary<string, double>> PodMetricsAsync(string ns, string metricName, IReadOnlyCollection<string> pods, CancellationToken cancellationToken)
    {
        if (pods.Count == 0)
        {
            return new Dictionary<string, double>();
        }

        var series = await SeriesNameAsync(metricName, cancellationToken)
            ?? throw new MetricNotFoundException($"the server could not find the metric {metricName} for pods");
        var podMatcher = string.Join("|", pods.Select(Regex.Escape));
        var samples = await prometheus.QueryAsync($"sum({series}{{namespace=\"{ns}\",pod=~\"{podMatcher}\"}}) by (pod)", cancellationToken);
        return samples.Where(s => s.Labels.ContainsKey("pod") && double.IsFinite(s.Value)).ToDictionary(s => s.Labels["pod"], s => s.Value);
    }

    public async Task<IReadOnlyList<double>> ExternalAsync(string ns, string metricName, IReadOnlyDictionary<string, string> selector, CancellationToken cancellationToken)
    {
        IExternalMetricSource[] sources;
        lock (_external)
        {
            sources = [.. _external];
        }

        foreach (var source in sources)
        {
            if (await source.ValuesAsync(ns, metricName, selector, cancellationToken) is { } values)
            {
                return values;
            }
        }

        throw new MetricNotFoundException($"the server could not find the requested resource (get {metricName}.external.metrics.k8s.io)");
    }

    /// <summary>The Prometheus series whose adapter name is <paramref name="metricName"/>, found among the series that carry namespace and pod.</summary>
    private async Task<string?> SeriesNameAsync(string metricName, CancellationToken cancellationToken)
    {
        if (!CustomName().IsMatch(metricName))
        {
            return null;
        }

        // The adapter discovers with seriesQuery {namespace!="",pod!=""}; here only the candidates for this name are asked for.
        var pattern = Regex.Replace(metricName, "_", "[_:]");
        var samples = await prometheus.QueryAsync($"count by (__name__) ({{__name__=~\"{pattern}\",namespace!=\"\",pod!=\"\"}})", cancellationToken);
        return samples.Select(s => s.Labels.GetValueOrDefault("__name__")).FirstOrDefault(n => n is not null && Normalize(n) == metricName);
    }

    private static string Normalize(string name) => NotAllowed().Replace(name, "_");

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex CustomName();

    [GeneratedRegex("[^A-Za-z0-9_]")]
    private static partial Regex NotAllowed();
}

internal sealed class MetricNotFoundException(string message) : Exception(message);
