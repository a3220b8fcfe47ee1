namespace Portal.Domain.Monitoring;

/// <summary>
/// Which deployments a query covers and how rates are taken. <see cref="Deployments"/> null means every deployment
/// Prometheus knows; otherwise only the named ones (never empty: a filter matching nothing runs no query).
/// </summary>
public sealed record MetricScope
{
    public MetricScope(IReadOnlyCollection<string>? deployments = null, TimeSpan? rateWindow = null, bool gatewayCrossCheck = false)
    {
        if (deployments is { Count: 0 })
        {
            throw new ArgumentException("a scope names at least one deployment, or null for all", nameof(deployments));
        }

        Deployments = deployments;
        RateWindow = rateWindow ?? TimeSpan.FromMinutes(1);
        GatewayCrossCheck = gatewayCrossCheck;
    }

    public static MetricScope All { get; } = new();

    public IReadOnlyCollection<string>? Deployments { get; }

    /// <summary>The range of <c>rate()</c> and of the histogram rates behind percentiles.</summary>
    public TimeSpan RateWindow { get; }

    /// <summary>Also draw the gateway's own figures for frameworks whose engine has metrics (labelled <c>source="gateway"</c>).</summary>
    public bool GatewayCrossCheck { get; }

    /// <summary>The matcher on the <c>deployment</c> label, without braces.</summary>
    public string DeploymentMatcher => Deployments is null ? "deployment!=\"\"" : $"deployment=~\"{PromQl.Alternation(Deployments)}\"";

    /// <summary>
    /// The matcher on dcgm-exporter's <c>pod</c> label: the pods of the portal's StatefulSets are
    /// <c>&lt;deployment&gt;-&lt;ordinal&gt;</c>. Null for every GPU (held or idle).
    /// </summary>
    public string? PodMatcher => Deployments is null ? null : $"pod=~\"({PromQl.Alternation(Deployments)})-[0-9]+\"";

    /// <summary>A selector body: the deployment matcher plus <paramref name="more"/>.</summary>
    public string Selector(params string[] more) => string.Join(", ", new[] { DeploymentMatcher }.Concat(more));
}
