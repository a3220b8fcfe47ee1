using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Portal.Simulator.Api;
using Portal.Simulator.Autoscaling;

namespace Portal.Simulator.Controllers;

/// <summary>
/// kube-controller-manager's horizontal-pod-autoscaler controller (pkg/controller/podautoscaler, autoscaling/v2):
/// every sync period each HPA reads its target's scale, asks the metrics APIs for each metric, proposes
/// <c>ceil(ratio × pods)</c> (unchanged within the tolerance), takes the largest proposal, stabilises it over the
/// behaviour's windows, limits it by the behaviour's policies and min/max, writes the scale subresource, records
/// <c>SuccessfulRescale</c> and keeps <c>status</c> (currentMetrics, conditions AbleToScale, ScalingActive,
/// ScalingLimited) up to date. See src/Simulator/FIDELITY.md, "Autoscaling".
/// </summary>
internal sealed partial class HorizontalPodAutoscalerController(
    ResourceApi api, MetricsAdapter metrics, EventRecorder events, AutoscalingOptions options, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private const string Component = "horizontal-pod-autoscaler";

    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, List<(int Replicas, DateTimeOffset At)>> _recommendations = [];
    private readonly Dictionary<string, List<(int Change, DateTimeOffset At)>> _scaleUps = [];
    private readonly Dictionary<string, List<(int Change, DateTimeOffset At)>> _scaleDowns = [];
    private Task _loop = Task.CompletedTask;

    private ObjectStore Store => api.Store;

    public void Start() => _loop = Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(options.HpaSyncPeriod, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                await SyncAllAsync(_stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    });

    public async Task SyncAllAsync(CancellationToken cancellationToken)
    {
        foreach (var hpa in Store.List(ResourceTypes.HorizontalPodAutoscalers, null).Items)
        {
            try
            {
                await ReconcileAsync(hpa, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, hpa.Key, e);
            }
        }

        var live = Store.List(ResourceTypes.HorizontalPodAutoscalers, null).Items.Select(h => h.Uid).ToHashSet();
        foreach (var gone in _recommendations.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _recommendations.Remove(gone);
            _scaleUps.Remove(gone);
            _scaleDowns.Remove(gone);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task ReconcileAsync(StoredObject stored, CancellationToken cancellationToken)
    {
        var hpa = stored.Clone();
        var key = stored.Uid;
        var spec = hpa["spec"] as JsonObject ?? [];
        var targetRef = spec["scaleTargetRef"] as JsonObject ?? [];
        var targetType = ResourceTypes.FindByKind((string?)targetRef["apiVersion"] ?? "", (string?)targetRef["kind"] ?? "");
        var targetName = (string?)targetRef["name"] ?? "";
        var target = targetType is null ? null : Store.Get(targetType, stored.Namespace, targetName);
        if (target is null)
        {
            var message = $"{(targetType?.QualifiedPlural ?? (string?)targetRef["kind"])} \"{targetName}\" not found";
            events.Warning(stored, "FailedGetScale", message, Component);
            SetCondition(hpa, "AbleToScale", "False", "FailedGetScale", $"the HPA controller was unable to get the target's current scale: {message}");
            WriteStatus(stored, hpa);
            return;
        }

        SetCondition(hpa, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale");
        var currentReplicas = (int)(target.Object.Long("spec.replicas") ?? 1);
        var statusReplicas = (int)(target.Object.Long("status.replicas") ?? 0);
        if (!_recommendations.ContainsKey(key))
        {
            _recommendations[key] = [(currentReplicas, time.GetUtcNow())];
        }

        var minReplicas = (int)(spec.Long("minReplicas") ?? 1);
        var maxReplicas = (int)(spec.Long("maxReplicas") ?? 1);
        var desired = 0;
        var reason = "";
        var rescale = true;
        var metricStatuses = new JsonArray();

        if (currentReplicas == 0 && minReplicas != 0)
        {
            desired = 0;
            rescale = false;
            SetCondition(hpa, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
        }
        else if (currentReplicas > maxReplicas)
        {
            reason = "Current number of replicas above Spec.MaxReplicas";
            desired = maxReplicas;
        }
        else if (currentReplicas < minReplicas)
        {
            reason = "Current number of replicas below Spec.MinReplicas";
            desired = minReplicas;
        }
        else
        {
            var computed = await ComputeReplicasForMetricsAsync(stored, hpa, target, currentReplicas, statusReplicas, cancellationToken);
            if (computed is null)
            {
                hpa.Child("status")["currentReplicas"] = statusReplicas;
                WriteStatus(stored, hpa);
                return;
            }

            var (metricDesired, metricName, statuses) = computed.Value;
            metricStatuses = statuses;
            if (metricDesired > desired)
            {
                desired = metricDesired;
            }

            if (desired > currentReplicas)
            {
                reason = $"{metricName} above target";
            }

            if (desired < currentReplicas)
            {
                reason = "All metrics below target";
            }

            desired = spec["behavior"] is JsonObject behavior
                ? NormalizeWithBehaviors(hpa, key, behavior, currentReplicas, desired, minReplicas, maxReplicas)
                : Normalize(hpa, key, currentReplicas, desired, minReplicas, maxReplicas);
            rescale = desired != currentReplicas;
        }

        if (rescale)
        {
            try
            {
                api.UpdateScale(targetType!, stored.Namespace, targetName, scale =>
                {
                    scale.Child("spec")["replicas"] = desired;
                    scale.Metadata().Remove("resourceVersion");
                    return scale;
                });
            }
            catch (ApiException e)
            {
                events.Warning(stored, "FailedRescale", $"New size: {desired}; reason: {reason}; error: {e.Message}", Component);
                SetCondition(hpa, "AbleToScale", "False", "FailedUpdateScale", $"the HPA controller was unable to update the target scale: {e.Message}");
                hpa.Child("status")["currentReplicas"] = statusReplicas;
                WriteStatus(stored, hpa);
                return;
            }

            SetCondition(hpa, "AbleToScale", "True", "SucceededRescale", $"the HPA controller was able to update the target scale to {desired}");
            events.Normal(stored, "SuccessfulRescale", $"New size: {desired}; reason: {reason}", Component);
            StoreScaleEvent(spec["behavior"] is JsonObject, key, currentReplicas, desired);
            LogRescaled(logger, stored.Key, currentReplicas, desired, reason);
        }
        else
        {
            desired = currentReplicas;
        }

        var status = hpa.Child("status");
        status["currentReplicas"] = statusReplicas;
        status["desiredReplicas"] = desired;
        status["currentMetrics"] = metricStatuses.Count > 0 ? metricStatuses : null;
        if (rescale)
        {
            status["lastScaleTime"] = Timestamps.Format(time.GetUtcNow());
        }

        status["observedGeneration"] = stored.Object.Long("metadata.generation") ?? 1;
        WriteStatus(stored, hpa);
    }

    /// <summary>computeReplicasForMetrics: the largest proposal of the metrics that could be read; null (and conditions) when none could.</summary>
    private async Task<(int Replicas, string MetricName, JsonArray Statuses)?> ComputeReplicasForMetricsAsync(
        StoredObject stored, JsonObject hpa, StoredObject target, int specReplicas, int statusReplicas, CancellationToken cancellationToken)
    {
        var metricSpecs = (hpa.At("spec.metrics") as JsonArray ?? []).OfType<JsonObject>().ToList();
        var statuses = new JsonArray();
        var best = -1;
        var bestName = "";
        string? lastReason = null;
        string? lastError = null;
        foreach (var metric in metricSpecs)
        {
            try
            {
                var (replicas, name, status) = await ComputeMetricAsync(stored.Namespace, metric, target, specReplicas, statusReplicas, cancellationToken);
                statuses.Add(status);
                if (replicas > best)
                {
                    best = replicas;
                    bestName = name;
                }
            }
            catch (Exception e) when (e is MetricNotFoundException or PrometheusUnavailableException or InvalidMetricException)
            {
                lastReason = (string?)metric["type"] switch
                {
                    "Pods" => "FailedGetPodsMetric",
                    "External" => "FailedGetExternalMetric",
                    "Resource" => "FailedGetResourceMetric",
                    _ => "InvalidMetricSourceType",
                };
                lastError = e.Message;
                events.Warning(stored, lastReason, e.Message, Component);
            }
        }

        if (best < 0)
        {
            SetCondition(hpa, "ScalingActive", "False", lastReason ?? "InvalidMetricSourceType",
                $"the HPA was unable to compute the replica count: {lastError ?? "no metrics"}");
            events.Warning(stored, "FailedComputeMetricsReplicas",
                $"invalid metrics ({metricSpecs.Count - statuses.Count} invalid out of {metricSpecs.Count}), first error is: {lastError}", Component);
            return null;
        }

        SetCondition(hpa, "ScalingActive", "True", "ValidMetricFound", $"the HPA was able to successfully calculate a replica count from {bestName}");
        return (best, bestName, statuses);
    }

    private async Task<(int Replicas, string Name, JsonObject Status)> ComputeMetricAsync(
        string ns, JsonObject metric, StoredObject target, int specReplicas, int statusReplicas, CancellationToken cancellationToken)
    {
        switch ((string?)metric["type"])
        {
            case "Pods":
            {
                var name = metric.String("pods.metric.name") ?? "";
                var targetMilli = Milli(metric.At("pods.target.averageValue"));
                var (replicas, averageMilli) = await PodsMetricReplicasAsync(ns, name, target, specReplicas, targetMilli, cancellationToken);
                return (replicas, $"pods metric {name}", new JsonObject
                {
                    ["type"] = "Pods",
                    ["pods"] = new JsonObject
                    {
                        ["metric"] = new JsonObject { ["name"] = name },
                        ["current"] = new JsonObject { ["averageValue"] = Quantity(averageMilli) },
                    },
                });
            }

            case "External":
            {
                var name = metric.String("external.metric.name") ?? "";
                var selector = (metric.At("external.metric.selector.matchLabels") as JsonObject ?? [])
                    .ToDictionary(p => p.Key, p => (string?)p.Value ?? "");
                var values = await metrics.ExternalAsync(ns, name, selector, cancellationToken);
                var totalMilli = values.Sum(v => (long)Math.Ceiling(v * 1000));
                int replicas;
                JsonObject current;
                if (metric.At("external.target.averageValue") is { } average)
                {
                    // GetExternalPerPodMetricReplicas: the total over the target per pod, from the target's status replicas.
                    var targetMilli = Milli(average);
                    replicas = statusReplicas;
                    var ratio = totalMilli / ((double)targetMilli * replicas);
                    if (Math.Abs(1 - ratio) > options.Tolerance)
                    {
                        replicas = (int)Math.Ceiling(totalMilli / (double)targetMilli);
                    }

                    current = new JsonObject { ["averageValue"] = Quantity((long)Math.Ceiling(totalMilli / (double)Math.Max(statusReplicas, 1))) };
                }
                else if (metric.At("external.target.value") is { } value)
                {
                    replicas = UsageRatioReplicas(ns, target, specReplicas, totalMilli / (double)Milli(value));
                    current = new JsonObject { ["value"] = Quantity(totalMilli) };
                }
                else
                {
                    throw new InvalidMetricException("invalid external metric source: neither a value target nor an average value target was set");
                }

                // fmt's %+v of the *metav1.LabelSelector: its generated String().
                var labels = string.Concat(selector.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value},"));
                return (replicas, $"external metric {name}(&LabelSelector{{MatchLabels:map[string]string{{{labels}}},MatchExpressions:[]LabelSelectorRequirement{{}},}})", new JsonObject
                {
                    ["type"] = "External",
                    ["external"] = new JsonObject
                    {
                        ["metric"] = metric.At("external.metric")?.DeepClone(),
                        ["current"] = current,
                    },
                });
            }

            case "Resource":
                throw new InvalidMetricException(
                    $"failed to get {metric.String("resource.name")} utilization: unable to get metrics for resource {metric.String("resource.name")}: no metrics returned from resource metrics API");

            default:
                throw new InvalidMetricException($"unknown metric source type \"{(string?)metric["type"]}\"");
        }
    }

    /// <summary>GetMetricReplicas / calcPlainMetricReplicas for a Pods metric with an AverageValue target.</summary>
    private async Task<(int Replicas, long AverageMilli)> PodsMetricReplicasAsync(string ns, string metricName, StoredObject target, int currentReplicas, long targetMilli, CancellationToken cancellationToken)
    {
        var pods = SelectedPods(target);
        if (pods.Count == 0)
        {
            throw new InvalidMetricException("no pods returned by selector while calculating replica count");
        }

        var values = await metrics.PodMetricsAsync(ns, metricName, pods.Select(p => p.Name).ToList(), cancellationToken);
        if (values.Count == 0)
        {
            throw new MetricNotFoundException($"unable to get metric {metricName}: no metrics returned from custom metrics API");
        }

        // groupPods: terminating and failed pods are left out, pending ones ignored, ones without a sample missing.
        var readyPodCount = 0;
        var ignored = new HashSet<string>();
        var missing = new HashSet<string>();
        foreach (var pod in pods)
        {
            if (pod.Object.At("metadata.deletionTimestamp") is not null || pod.Object.String("status.phase") == "Failed")
            {
                continue;
            }

            if (pod.Object.String("status.phase") is "Pending" or null)
            {
                ignored.Add(pod.Name);
                continue;
            }

            if (!values.ContainsKey(pod.Name))
            {
                missing.Add(pod.Name);
                continue;
            }

            readyPodCount++;
        }

        var sample = values.Where(v => !ignored.Contains(v.Key)).ToDictionary(v => v.Key, v => (long)Math.Ceiling(v.Value * 1000));
        if (sample.Count == 0)
        {
            throw new MetricNotFoundException($"unable to get metric {metricName}: did not receive metrics for targeted pods (pods might be unready)");
        }

        var (usageRatio, average) = Ratio(sample, targetMilli);
        var rebalanceIgnored = ignored.Count > 0 && usageRatio > 1.0;
        if (!rebalanceIgnored && missing.Count == 0)
        {
            return Math.Abs(1.0 - usageRatio) <= options.Tolerance ? (currentReplicas, average) : ((int)Math.Ceiling(usageRatio * readyPodCount), average);
        }

        foreach (var pod in missing)
        {
            sample[pod] = usageRatio < 1.0 ? targetMilli : 0;
        }

        if (rebalanceIgnored)
        {
            foreach (var pod in ignored)
            {
                sample[pod] = 0;
            }
        }

        var (newRatio, _) = Ratio(sample, targetMilli);
        if (Math.Abs(1.0 - newRatio) <= options.Tolerance || (usageRatio < 1.0 && newRatio > 1.0) || (usageRatio > 1.0 && newRatio < 1.0))
        {
            return (currentReplicas, average);
        }

        return ((int)Math.Ceiling(newRatio * sample.Count), average);
    }

    /// <summary>getUsageRatioReplicaCount: from zero, ceil(ratio); otherwise ceil(ratio × ready pods) outside the tolerance.</summary>
    private int UsageRatioReplicas(string ns, StoredObject target, int currentReplicas, double usageRatio)
    {
        if (currentReplicas == 0)
        {
            return (int)Math.Ceiling(usageRatio);
        }

        if (Math.Abs(1.0 - usageRatio) <= options.Tolerance)
        {
            return currentReplicas;
        }

        var ready = SelectedPods(target).Count(p => p.Object.String("status.phase") == "Running" && PodConditions.IsTrue(p.Object, "Ready"));
        return (int)Math.Ceiling(usageRatio * ready);
    }

    private static (double Ratio, long AverageMilli) Ratio(Dictionary<string, long> sample, long targetMilli)
    {
        var average = sample.Values.Sum() / sample.Count;
        return (average / (double)targetMilli, average);
    }

    private List<StoredObject> SelectedPods(StoredObject target)
    {
        var match = target.Object.At("spec.selector.matchLabels") as JsonObject ?? [];
        return Store.List(ResourceTypes.Pods, target.Namespace).Items
            .Where(p => match.All(m => p.Labels.GetValueOrDefault(m.Key) == (string?)m.Value))
            .ToList();
    }

    /// <summary>normalizeDesiredReplicas (no behaviour): the downscale stabilisation window, then min/max and the legacy scale-up limit max(2×current, 4).</summary>
    private int Normalize(JsonObject hpa, string key, int current, int proposed, int min, int max)
    {
        var cutoff = time.GetUtcNow() - options.DownscaleStabilization;
        var recommendations = _recommendations[key];
        var stabilized = recommendations.Where(r => r.At >= cutoff).Select(r => r.Replicas).Append(proposed).Max();
        recommendations.RemoveAll(r => r.At < cutoff);
        recommendations.Add((proposed, time.GetUtcNow()));
        SetCondition(hpa, "AbleToScale", "True", stabilized != proposed ? "ScaleDownStabilized" : "ReadyForNewScale",
            stabilized != proposed ? "recent recommendations were higher than current one, applying the highest recent recommendation" : "recommended size matches current size");

        var scaleUpLimit = Math.Max(2 * current, 4);
        var (limit, reason, message) = max > scaleUpLimit
            ? (scaleUpLimit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
            : (max, "TooManyReplicas", "the desired replica count is more than the maximum replica count");
        var desired = stabilized < min ? min : Math.Min(stabilized, limit);
        if (stabilized < min)
        {
            (reason, message) = ("TooFewReplicas", "the desired replica count is less than the minimum replica count");
        }

        SetLimited(hpa, desired, stabilized, reason, message);
        return desired;
    }

    /// <summary>normalizeDesiredReplicasWithBehaviors: stabilisation windows per direction, then the policies' rate and min/max.</summary>
    private int NormalizeWithBehaviors(JsonObject hpa, string key, JsonObject behavior, int current, int proposed, int min, int max)
    {
        var up = Rules(behavior["scaleUp"] as JsonObject, scaleUp: true);
        var down = Rules(behavior["scaleDown"] as JsonObject, scaleUp: false);
        var now = time.GetUtcNow();

        // stabilizeRecommendationWithBehaviors
        var scalingUp = proposed >= current;
        var window = TimeSpan.FromSeconds(scalingUp ? up.Window : down.Window);
        var recommendation = proposed;
        var recommendations = _recommendations[key];
        foreach (var (replicas, at) in recommendations.Where(r => r.At > now - window))
        {
            recommendation = scalingUp ? Math.Min(recommendation, replicas) : Math.Max(recommendation, replicas);
        }

        recommendations.RemoveAll(r => r.At < now - TimeSpan.FromSeconds(Math.Max(up.Window, down.Window)));
        recommendations.Add((proposed, now));
        if (recommendation != proposed)
        {
            SetCondition(hpa, "AbleToScale", "True", scalingUp ? "ScaleUpStabilized" : "ScaleDownStabilized", scalingUp
                ? "recent recommendations were lower than current one, applying the lowest recent recommendation"
                : "recent recommendations were higher than current one, applying the highest recent recommendation");
        }
        else
        {
            SetCondition(hpa, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");
        }

        // convertDesiredReplicasWithBehaviorRate
        var desired = recommendation;
        var (reason, message) = ("DesiredWithinRange", "the desired count is within the acceptable range");
        if (recommendation > current)
        {
            var limit = Math.Max(ScaleUpLimit(current, _scaleUps.GetValueOrDefault(key) ?? [], up, now), current);
            var (allowed, r, m) = max > limit
                ? (limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                : (max, "TooManyReplicas", "the desired replica count is more than the maximum replica count");
            if (recommendation > allowed)
            {
                (desired, reason, message) = (allowed, r, m);
            }
        }
        else if (recommendation < current)
        {
            var limit = Math.Min(ScaleDownLimit(current, _scaleDowns.GetValueOrDefault(key) ?? [], down, now), current);
            var (allowed, r, m) = min < limit
                ? (limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                : (min, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
            if (recommendation < allowed)
            {
                (desired, reason, message) = (allowed, r, m);
            }
        }

        SetLimited(hpa, desired, recommendation, reason, message);
        return desired;
    }

    private void SetLimited(JsonObject hpa, int desired, int recommendation, string reason, string message) =>
        SetCondition(hpa, "ScalingLimited", desired == recommendation ? "False" : "True", reason, message);

    private sealed record ScalingRules(int Window, string SelectPolicy, IReadOnlyList<(string Type, int Value, int Period)> Policies);

    /// <summary>The rules with the API server's defaults (SetDefaults_HorizontalPodAutoscalerBehavior) for what is not set.</summary>
    private ScalingRules Rules(JsonObject? rules, bool scaleUp)
    {
        var window = rules?.Long("stabilizationWindowSeconds") is { } w ? (int)w : scaleUp ? 0 : (int)options.DownscaleStabilization.TotalSeconds;
        var select = rules?.String("selectPolicy") ?? "Max";
        var policies = (rules?["policies"] as JsonArray)?.OfType<JsonObject>()
            .Select(p => ((string?)p["type"] ?? "Pods", (int)(p.Long("value") ?? 0), (int)(p.Long("periodSeconds") ?? 15))).ToList();
        if (policies is null or { Count: 0 })
        {
            policies = scaleUp ? [("Percent", 100, 15), ("Pods", 4, 15)] : [("Percent", 100, 15)];
        }

        return new ScalingRules(window, select, policies);
    }

    private static int ChangeIn(IEnumerable<(int Change, DateTimeOffset At)> events, int periodSeconds, DateTimeOffset now) =>
        events.Where(e => e.At > now - TimeSpan.FromSeconds(periodSeconds)).Sum(e => e.Change);

    /// <summary>calculateScaleUpLimitWithScalingRules.</summary>
    private static int ScaleUpLimit(int current, List<(int Change, DateTimeOffset At)> events, ScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return current;
        }

        var proposals = rules.Policies.Select(p =>
        {
            var start = current - ChangeIn(events, p.Period, now);
            return p.Type == "Pods" ? start + p.Value : (int)Math.Ceiling(start * (1 + p.Value / 100.0));
        });
        return rules.SelectPolicy == "Min" ? proposals.Min() : proposals.Max();
    }

    /// <summary>calculateScaleDownLimitWithBehaviors.</summary>
    private static int ScaleDownLimit(int current, List<(int Change, DateTimeOffset At)> events, ScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return current;
        }

        var proposals = rules.Policies.Select(p =>
        {
            var start = current + ChangeIn(events, p.Period, now);
            return p.Type == "Pods" ? start - p.Value : (int)(start * (1 - p.Value / 100.0));
        });
        return rules.SelectPolicy == "Min" ? proposals.Max() : proposals.Min();
    }

    private void StoreScaleEvent(bool hasBehavior, string key, int previous, int next)
    {
        if (!hasBehavior)
        {
            return;
        }

        var list = next > previous ? (_scaleUps.TryGetValue(key, out var u) ? u : _scaleUps[key] = []) : (_scaleDowns.TryGetValue(key, out var d) ? d : _scaleDowns[key] = []);
        list.RemoveAll(e => e.At < time.GetUtcNow() - TimeSpan.FromHours(1));
        list.Add((Math.Abs(next - previous), time.GetUtcNow()));
    }

    private void SetCondition(JsonObject hpa, string type, string status, string reason, string message) =>
        PodConditions.Set(hpa, type, status, reason, message, time);

    private void WriteStatus(StoredObject stored, JsonObject hpa)
    {
        try
        {
            Store.Update(ResourceTypes.HorizontalPodAutoscalers, stored.Namespace, stored.Name, current =>
            {
                if (current is null || current.Uid != stored.Uid)
                {
                    return null;
                }

                var obj = current.Clone();
                obj["status"] = hpa["status"]?.DeepClone();
                return obj;
            });
        }
        catch (ApiException)
        {
            // Deleted meanwhile.
        }
    }

    private static long Milli(JsonNode? quantity) => (long)Math.Round(ParseQuantity(quantity?.ToString() ?? "0") * 1000);

    /// <summary>A resource.Quantity string (decimal with an optional SI suffix m, k, M, G) as a number.</summary>
    internal static double ParseQuantity(string text)
    {
        var (number, factor) = text switch
        {
            _ when text.EndsWith('m') => (text[..^1], 0.001),
            _ when text.EndsWith('k') => (text[..^1], 1e3),
            _ when text.EndsWith('M') => (text[..^1], 1e6),
            _ when text.EndsWith('G') => (text[..^1], 1e9),
            _ => (text, 1.0),
        };
        return double.Parse(number, CultureInfo.InvariantCulture) * factor;
    }

    /// <summary>A milli-value the way resource.NewMilliQuantity(…, DecimalSI) prints it: whole numbers plain, others in m.</summary>
    internal static string Quantity(long milli) =>
        milli % 1000 == 0 ? (milli / 1000).ToString(CultureInfo.InvariantCulture) : milli.ToString(CultureInfo.InvariantCulture) + "m";

    [LoggerMessage(Level = LogLevel.Warning, Message = "HPA {Key}: sync failed")]
    private static partial void LogFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "HPA {Key}: rescaled {From} -> {To}: {Reason}")]
    private static partial void LogRescaled(ILogger logger, string key, int from, int to, string reason);
}

internal sealed class InvalidMetricException(string message) : Exception(message);

/// <summary>The controller manager's autoscaling flags and how often KEDA's loop looks for due polls.</summary>
internal sealed record AutoscalingOptions(TimeSpan HpaSyncPeriod, double Tolerance, TimeSpan DownscaleStabilization);
