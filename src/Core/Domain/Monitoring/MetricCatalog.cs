using System.Globalization;
using Portal.Domain.Engines;

namespace Portal.Domain.Monitoring;

/// <summary>
/// Logical metrics mapped to PromQL, built from the engine profiles' metric names, dcgm-exporter's names and
/// the portal's own (deployment readiness, and the gateway's latency and token figures, which are the only
/// source for engines without metrics such as Ollama). Every query aggregates <c>by (deployment)</c> or by GPU,
/// so the number of queries a page runs does not grow with the number of deployments.
/// </summary>
public sealed class MetricCatalog
{
    /// <summary>The percentiles drawn for latency histograms (label <c>quantile</c> on the series).</summary>
    public static readonly IReadOnlyList<double> Quantiles = [0.5, 0.95];

    // dcgm-exporter (engines.md): utilisation %, framebuffer MiB, power W, temperature °C.
    public const string GpuUtil = "DCGM_FI_DEV_GPU_UTIL";
    public const string GpuMemoryUsedMiB = "DCGM_FI_DEV_FB_USED";
    public const string GpuMemoryFreeMiB = "DCGM_FI_DEV_FB_FREE";
    public const string GpuPowerWatts = "DCGM_FI_DEV_POWER_USAGE";
    public const string GpuTemperatureCelsius = "DCGM_FI_DEV_GPU_TEMP";

    // The portal's own metrics (src/Jobs/Reconcile/DeploymentMetrics.cs and the gateway).
    public const string PortalDeploymentReady = "portal_deployment_ready";
    public const string GatewayRequests = "portal_gateway_requests_total";
    public const string GatewayTimeToFirstToken = "portal_gateway_time_to_first_token_seconds";
    public const string GatewayRequestDuration = "portal_gateway_request_duration_seconds";
    public const string GatewayOutputTokens = "portal_gateway_output_tokens_total";
    public const string GatewayInFlight = "portal_gateway_in_flight_requests";

    private static readonly Dictionary<MetricId, MetricDefinition> Definitions = new MetricDefinition[]
    {
        new(MetricId.GpuUtilization, "GPU utilisation", "%", MetricShape.GaugeSum, "Share of time the GPU was busy (dcgm-exporter)."),
        new(MetricId.GpuMemoryUsed, "GPU memory used", "MiB", MetricShape.GaugeSum, "Framebuffer memory in use (dcgm-exporter)."),
        new(MetricId.GpuMemoryTotal, "GPU memory total", "MiB", MetricShape.GaugeSum, "Framebuffer memory, used plus free (dcgm-exporter)."),
        new(MetricId.GpuPower, "GPU power", "W", MetricShape.GaugeSum, "Power draw (dcgm-exporter)."),
        new(MetricId.GpuTemperature, "GPU temperature", "°C", MetricShape.GaugeSum, "GPU temperature (dcgm-exporter)."),
        new(MetricId.RequestsRunning, "Requests running", "requests", MetricShape.GaugeSum, "Requests in the engine's running batch (Ollama: in flight through the gateway)."),
        new(MetricId.RequestsWaiting, "Requests waiting", "requests", MetricShape.GaugeSum, "Requests queued in the engine."),
        new(MetricId.TimeToFirstToken, "Time to first token", "s", MetricShape.HistogramQuantiles, "Time from request to the first generated token."),
        new(MetricId.InterTokenLatency, "Inter-token latency", "s", MetricShape.HistogramQuantiles, "Time between generated tokens."),
        new(MetricId.EndToEndLatency, "End-to-end latency", "s", MetricShape.HistogramQuantiles, "Time from request to the last token."),
        new(MetricId.GeneratedTokens, "Generated tokens", "tokens/s", MetricShape.CounterRate, "Output tokens per second."),
        new(MetricId.KvCacheUsage, "KV-cache usage", "ratio", MetricShape.GaugeMax, "Fill of the KV cache (0–1) on the fullest pod."),
        new(MetricId.RequestRate, "Request rate", "req/s", MetricShape.CounterRate, "Finished requests per second."),
        new(MetricId.ErrorRate, "Error rate", "req/s", MetricShape.CounterRate, "Requests per second the gateway answered with a 5xx status."),
        new(MetricId.DeploymentReady, "Ready", "1/0", MetricShape.GaugeSum, "1 when the portal sees the deployment Ready (portal_deployment_ready)."),
        new(MetricId.TargetUp, "Scrape up", "1/0", MetricShape.GaugeSum, "1 when Prometheus scraped every engine pod of the deployment (up)."),
    }.ToDictionary(d => d.Id);

    private readonly IReadOnlyList<EngineProfile> _profiles;

    public MetricCatalog(IEnumerable<EngineProfile> profiles)
    {
        _profiles = profiles.ToList();
    }

    /// <summary>The catalog for the portal's engine profiles.</summary>
    public static MetricCatalog Default { get; } = new(EngineProfiles.All);

    public IReadOnlyList<EngineProfile> Profiles => _profiles;

    public static IReadOnlyCollection<MetricDefinition> All => Definitions.Values;

    public static MetricDefinition Definition(MetricId id) => Definitions[id];

    /// <summary>The metrics that come per deployment from an engine or the gateway (as opposed to GPUs and health).</summary>
    public static IReadOnlyList<MetricId> ServingMetrics { get; } =
    [
        MetricId.RequestsRunning, MetricId.RequestsWaiting, MetricId.TimeToFirstToken, MetricId.InterTokenLatency,
        MetricId.EndToEndLatency, MetricId.GeneratedTokens, MetricId.KvCacheUsage, MetricId.RequestRate, MetricId.ErrorRate,
    ];

    /// <summary>Where <paramref name="id"/> comes from for deployments of <paramref name="profile"/>.</summary>
    public MetricSource SourceFor(MetricId id, EngineProfile profile)
    {
        var names = profile.Metrics;
        var noEngineMetrics = $"{profile.DisplayName} has no Prometheus metrics of its own";
        return id switch
        {
            MetricId.GpuUtilization => Gpu(GpuUtil),
            MetricId.GpuMemoryUsed or MetricId.GpuMemoryTotal => Gpu(GpuMemoryUsedMiB),
            MetricId.GpuPower => Gpu(GpuPowerWatts),
            MetricId.GpuTemperature => Gpu(GpuTemperatureCelsius),
            MetricId.DeploymentReady => new MetricSource(MetricSourceKind.Portal, PortalDeploymentReady, "The portal's /metrics.") { PresenceName = PortalDeploymentReady },
            MetricId.TargetUp => profile.ExposesMetrics
                ? new MetricSource(MetricSourceKind.Prometheus, "up", $"Prometheus's scrape of each {profile.DisplayName} pod.") { PresenceName = "up" }
                : None($"{noEngineMetrics}: there is no scrape target to be up."),
            MetricId.ErrorRate => Gateway(GatewayRequests, "Errors as clients see them, counted by the portal gateway (status 5xx)."),
            MetricId.RequestsRunning => EngineOr(names.RequestsRunning, GatewayInFlight, $"{noEngineMetrics}: requests in flight through the portal gateway."),
            MetricId.RequestsWaiting => EngineOr(names.RequestsWaiting, null, $"{noEngineMetrics}, and the gateway cannot see its queue."),
            MetricId.TimeToFirstToken => EngineOr(names.TimeToFirstToken, GatewayTimeToFirstToken, $"{noEngineMetrics}: measured by the portal gateway.", histogram: true),
            MetricId.InterTokenLatency => EngineOr(names.InterTokenLatency, null, $"{noEngineMetrics}, and the gateway does not time single tokens.", histogram: true),
            MetricId.EndToEndLatency => EngineOr(names.EndToEndLatency, GatewayRequestDuration, $"{noEngineMetrics}: measured by the portal gateway.", histogram: true),
            MetricId.GeneratedTokens => EngineOr(names.GenerationTokens, GatewayOutputTokens, $"{noEngineMetrics}: counted by the portal gateway."),
            MetricId.KvCacheUsage => EngineOr(names.KvCacheUsage, null, $"{noEngineMetrics}, and the gateway cannot see its KV cache."),
            // Every finished request lands in the end-to-end latency histogram, so its _count is the request counter.
            MetricId.RequestRate => names.EndToEndLatency is { } e2e
                ? new MetricSource(MetricSourceKind.Engine, e2e + "_count", "Finished requests (the count of the end-to-end latency histogram).") { PresenceName = e2e + "_count" }
                : Gateway(GatewayRequests, $"{noEngineMetrics}: requests counted by the portal gateway."),
            _ => throw new ArgumentOutOfRangeException(nameof(id), id, null),
        };

        static MetricSource Gpu(string name) => new(MetricSourceKind.Gpu, name, "dcgm-exporter on the GPU nodes.") { PresenceName = name };
        static MetricSource None(string why) => new(MetricSourceKind.None, null, why);
        static MetricSource Gateway(string name, string note, bool histogram = false) =>
            new(MetricSourceKind.Gateway, name, note) { PresenceName = histogram ? name + "_count" : name };

        MetricSource EngineOr(string? engineName, string? gatewayName, string why, bool histogram = false) =>
            engineName is not null
                ? new MetricSource(MetricSourceKind.Engine, engineName, $"{profile.DisplayName}'s /metrics.")
                {
                    PresenceName = histogram ? engineName + "_count" : engineName,
                    FormerName = names.FormerName(engineName),
                }
                : gatewayName is not null ? Gateway(gatewayName, why, histogram) : None(why);
    }

    public MetricSource SourceFor(MetricId id, string framework) =>
        EngineProfiles.TryGet(framework, out var profile) ? SourceFor(id, profile) : new MetricSource(MetricSourceKind.None, null, $"Unknown framework '{framework}'.");

    /// <summary>
    /// One query for <paramref name="id"/> over every framework: series labelled <c>deployment</c> and <c>source</c>
    /// (<c>engine</c> or <c>gateway</c>), plus <c>quantile</c> for latency histograms. Only for serving metrics.
    /// </summary>
    public string Query(MetricId id, MetricScope scope)
    {
        var parts = new List<string>();
        var engineSources = _profiles
            .Select(p => SourceFor(id, p))
            .Where(s => s.Kind == MetricSourceKind.Engine)
            .DistinctBy(s => s.Name, StringComparer.Ordinal);
        foreach (var source in engineSources)
        {
            parts.Add(PromQl.WithLabel(Reduce(id, source.Name!, scope.Selector(), scope, source.FormerName), "source", "engine"));
        }

        var gateway = GatewayPart(id, scope);
        if (gateway is not null)
        {
            parts.Add(gateway);
        }

        if (parts.Count == 0)
        {
            throw new InvalidOperationException($"{id} has no source for any framework");
        }

        return PromQl.Or(parts);
    }

    /// <summary>The query for <paramref name="id"/> restricted to one framework, or null when the framework does not measure it.</summary>
    public FrameworkQuery? QueryFor(MetricId id, EngineProfile profile, MetricScope scope)
    {
        var source = SourceFor(id, profile);
        if (source.Kind is not (MetricSourceKind.Engine or MetricSourceKind.Gateway or MetricSourceKind.Portal or MetricSourceKind.Prometheus))
        {
            return source.Kind == MetricSourceKind.None ? null : new FrameworkQuery(profile.Id, source, GpuQuery(id, scope));
        }

        var selector = scope.Selector($"framework={PromQl.Quote(profile.Id)}");
        var query = source.Kind switch
        {
            MetricSourceKind.Portal => $"max by (deployment) ({source.Name}{{{selector}}})",
            MetricSourceKind.Prometheus => $"min by (deployment) (up{{{selector}}})",
            _ when id == MetricId.ErrorRate => ErrorRateQuery(selector, scope),
            _ => Reduce(id, source.Name!, selector, scope, source.FormerName),
        };
        return new FrameworkQuery(profile.Id, source, query);
    }

    /// <summary>Per GPU, or per deployment for memory used; GPUs of the scoped deployments only when the scope names some.</summary>
    public string GpuQuery(MetricId id, MetricScope scope)
    {
        var pods = scope.PodMatcher;
        string Select(string name) => pods is null ? name : $"{name}{{{pods}}}";
        string SelectHeld(string name) => $"{name}{{{pods ?? "pod!=\"\""}}}";
        return id switch
        {
            // The holder pod stays in the series so "in use" can be read from the same query.
            MetricId.GpuUtilization => $"max by (Hostname, hostname, gpu, pod) ({Select(GpuUtil)})",
            MetricId.GpuMemoryUsed =>
                $"sum by (deployment) (label_replace({SelectHeld(GpuMemoryUsedMiB)}, \"deployment\", \"$1\", \"pod\", \"(.+)-[0-9]+\"))",
            MetricId.GpuMemoryTotal => $"sum({Select(GpuMemoryUsedMiB)} + {Select(GpuMemoryFreeMiB)})",
            MetricId.GpuPower => $"max by (Hostname, hostname, gpu) ({Select(GpuPowerWatts)})",
            MetricId.GpuTemperature => $"max by (Hostname, hostname, gpu) ({Select(GpuTemperatureCelsius)})",
            _ => throw new ArgumentOutOfRangeException(nameof(id), id, "not a GPU metric"),
        };
    }

    /// <summary>Every GPU's utilisation, memory used and free, power and temperature now, in one instant query.</summary>
    public string GpuSnapshotQuery(MetricScope scope)
    {
        var names = string.Join("|", new[] { GpuUtil, GpuMemoryUsedMiB, GpuMemoryFreeMiB, GpuPowerWatts, GpuTemperatureCelsius });
        var pods = scope.PodMatcher is { } p ? ", " + p : "";
        return $"{{__name__=~\"{names}\"{pods}}}";
    }

    /// <summary>Ready (portal) and scrape health (up) per deployment, labelled <c>signal="ready"</c> and <c>signal="scrape"</c>.</summary>
    public string HealthQuery(MetricScope scope) => PromQl.Or(
    [
        PromQl.WithLabel($"max by (deployment) ({PortalDeploymentReady}{{{scope.Selector()}}})", "signal", "ready"),
        PromQl.WithLabel($"min by (deployment) (up{{{scope.Selector()}}})", "signal", "scrape"),
    ]);

    /// <summary>
    /// Which of the catalog's per-deployment metric names Prometheus holds for each deployment now, with the largest
    /// value (<c>__name__</c> and <c>deployment</c> on each series): the answer to "why is this chart empty". A counter
    /// that exists at 0 (the gateway creates its series for every route) means "never served since start".
    /// </summary>
    public string PresenceQuery(MetricScope scope)
    {
        var names = PresenceNames();
        return $"max by (__name__, deployment) ({{__name__=~\"{string.Join("|", names)}\", {scope.Selector()}}})";
    }

    /// <summary>Every name <see cref="PresenceQuery"/> asks about.</summary>
    public IReadOnlyList<string> PresenceNames() => _profiles
        .SelectMany(p => ServingMetrics.Append(MetricId.DeploymentReady).Append(MetricId.TargetUp).Select(id => SourceFor(id, p).PresenceName))
        .OfType<string>()
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>A hint for an engine that is scraped but lacks a metric: the flag its metrics depend on, if the profile sets one.</summary>
    public static string MissingEngineMetricHint(EngineProfile profile, string metricName)
    {
        var flag = profile.BaseArgs(new Deployments.DeploymentSpec { Name = "x", Model = "m" })
            .FirstOrDefault(a => a.Contains("metrics", StringComparison.Ordinal) && a.StartsWith("--", StringComparison.Ordinal));
        return flag is null
            ? $"{profile.DisplayName} does not export {metricName}: check the engine version ({profile.DefaultTag} is what the portal deploys)."
            : $"{profile.DisplayName} exports {metricName} only when started with {flag} (the portal's manifests set it; check the pod's arguments).";
    }

    private string? GatewayPart(MetricId id, MetricScope scope)
    {
        var fallback = _profiles.Where(p => SourceFor(id, p).Kind == MetricSourceKind.Gateway).Select(p => p.Id).ToList();
        if (fallback.Count == 0 && !scope.GatewayCrossCheck)
        {
            return null;
        }

        var gatewayName = id switch
        {
            MetricId.RequestsRunning => GatewayInFlight,
            MetricId.TimeToFirstToken => GatewayTimeToFirstToken,
            MetricId.EndToEndLatency => GatewayRequestDuration,
            MetricId.GeneratedTokens => GatewayOutputTokens,
            MetricId.RequestRate or MetricId.ErrorRate => GatewayRequests,
            _ => null,
        };
        if (gatewayName is null)
        {
            return null;
        }

        // Cross-check: the gateway's figure for every framework; otherwise only for those without engine metrics.
        var selector = scope.GatewayCrossCheck || id == MetricId.ErrorRate
            ? scope.Selector()
            : scope.Selector($"framework=~\"{string.Join("|", fallback)}\"");
        var query = id == MetricId.ErrorRate ? ErrorRateQuery(selector, scope) : Reduce(id, gatewayName, selector, scope);
        return PromQl.WithLabel(query, "source", "gateway");
    }

    private static string ErrorRateQuery(string selector, MetricScope scope) =>
        $"sum by (deployment) (rate({GatewayRequests}{{{selector}, status=~\"5..\"}}[{PromQl.Duration(scope.RateWindow)}]))";

    /// <summary>
    /// The reduction of one metric per deployment. With a <paramref name="former"/> name, each series is read under
    /// the current name or, where a pod's release has none, the former (the labels match, so <c>or</c> never counts twice).
    /// </summary>
    private static string Reduce(MetricId id, string name, string selector, MetricScope scope, string? former = null)
    {
        var range = PromQl.Duration(scope.RateWindow);
        string Series(string suffix = "") =>
            former is null ? $"{name}{suffix}{{{selector}}}" : $"(({name}{suffix}{{{selector}}} + 0) or ({former}{suffix}{{{selector}}} + 0))"; // "+ 0" drops the names, so or can match
        string Rate(string suffix = "") =>
            former is null ? $"rate({name}{suffix}{{{selector}}}[{range}])" : $"(rate({name}{suffix}{{{selector}}}[{range}]) or rate({former}{suffix}{{{selector}}}[{range}]))";
        return Definition(id).Shape switch
        {
            MetricShape.GaugeSum => $"sum by (deployment) ({Series()})",
            MetricShape.GaugeMax => $"max by (deployment) ({Series()})",
            MetricShape.CounterRate => $"sum by (deployment) ({Rate()})",
            MetricShape.HistogramQuantiles => PromQl.Or(Quantiles.Select(q => PromQl.WithLabel(
                $"histogram_quantile({PromQl.Number(q)}, sum by (deployment, le) ({Rate("_bucket")}))",
                "quantile",
                q.ToString(CultureInfo.InvariantCulture)))),
            _ => throw new ArgumentOutOfRangeException(nameof(id), id, null),
        };
    }
}
