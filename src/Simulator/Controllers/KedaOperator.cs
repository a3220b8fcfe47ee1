using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Portal.Simulator.Api;
using Portal.Simulator.Autoscaling;

namespace Portal.Simulator.Controllers;

/// <summary>
/// KEDA 2.20's operator and metrics server for ScaledObjects with prometheus triggers: it keeps an HPA
/// <c>keda-hpa-NAME</c> with one External metric per trigger (<c>s0-prometheus</c>, …) that it serves itself, and
/// every <c>pollingInterval</c> runs the scale loop that the HPA cannot: activation from zero when any trigger is
/// above its <c>activationThreshold</c> (or <c>autoscaling.keda.sh/force-activation</c> is set), and back to zero
/// once no trigger has been active for <c>cooldownPeriod</c>, recording <c>KEDAScaleTargetActivated</c> /
/// <c>KEDAScaleTargetDeactivated</c>. See src/Simulator/FIDELITY.md, "Autoscaling".
/// </summary>
internal sealed partial class KedaOperator(ResourceApi api, EventRecorder events, TimeProvider time, ILogger logger)
    : IExternalMetricSource, IAsyncDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PrometheusQueries> _servers = new(StringComparer.Ordinal);

    public const string ForceActivationAnnotation = "autoscaling.keda.sh/force-activation";
    public const string ScaledObjectNameLabel = "scaledobject.keda.sh/name";
    private const string Controller = "keda-operator";
    private const int DefaultPollingInterval = 30;
    private const int DefaultCooldownPeriod = 300;

    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, DateTimeOffset> _nextPoll = [];
    private Task _loop = Task.CompletedTask;

    private ObjectStore Store => api.Store;

    public void Start() => _loop = Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100), time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                await TickAsync(_stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    });

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
        foreach (var server in _servers.Values)
        {
            server.Dispose();
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var live = new HashSet<string>();
        foreach (var so in Store.List(ResourceTypes.ScaledObjects, null).Items)
        {
            live.Add(so.Uid);
            try
            {
                EnsureHpa(so);
                if (_nextPoll.TryGetValue(so.Uid, out var due) && due > now)
                {
                    continue;
                }

                _nextPoll[so.Uid] = now + TimeSpan.FromSeconds(Math.Max(1, so.Object.Long("spec.pollingInterval") ?? DefaultPollingInterval));
                await ScaleLoopAsync(so, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, so.Key, e);
            }
        }

        foreach (var gone in _nextPoll.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _nextPoll.Remove(gone);
        }
    }

    /// <summary>The HPA KEDA creates for a ScaledObject (pkg/scaling/.../hpa.go): min at least 1, an External metric per trigger.</summary>
    private void EnsureHpa(StoredObject so)
    {
        var name = "keda-hpa-" + so.Name;
        var spec = so.Object["spec"] as JsonObject ?? [];
        var min = spec.Long("minReplicaCount") ?? 0;
        var metrics = new JsonArray();
        foreach (var (trigger, index) in Triggers(so).Select((t, i) => (t, i)))
        {
            var target = new JsonObject();
            var metricType = (string?)trigger["metricType"] ?? "AverageValue";
            var threshold = trigger.String("metadata.threshold") ?? "0";
            if (metricType == "Value")
            {
                target["type"] = "Value";
                target["value"] = threshold;
            }
            else
            {
                target["type"] = "AverageValue";
                target["averageValue"] = threshold;
            }

            metrics.Add(new JsonObject
            {
                ["type"] = "External",
                ["external"] = new JsonObject
                {
                    ["metric"] = new JsonObject
                    {
                        ["name"] = MetricName(index, (string?)trigger["type"] ?? ""),
                        ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { [ScaledObjectNameLabel] = so.Name } },
                    },
                    ["target"] = target,
                },
            });
        }

        var desiredSpec = new JsonObject
        {
            ["scaleTargetRef"] = new JsonObject
            {
                ["apiVersion"] = spec.String("scaleTargetRef.apiVersion") ?? "apps/v1",
                ["kind"] = spec.String("scaleTargetRef.kind") ?? "Deployment",
                ["name"] = spec.String("scaleTargetRef.name"),
            },
            ["minReplicas"] = Math.Max(1, min),
            ["maxReplicas"] = spec.Long("maxReplicaCount") ?? 100,
            ["metrics"] = metrics,
        };
        if (spec.At("advanced.horizontalPodAutoscalerConfig.behavior") is JsonObject behavior)
        {
            desiredSpec["behavior"] = behavior.DeepClone();
        }

        var existing = Store.Get(ResourceTypes.HorizontalPodAutoscalers, so.Namespace, name);
        if (existing is null)
        {
            api.Create(ResourceTypes.HorizontalPodAutoscalers, so.Namespace, new JsonObject
            {
                ["apiVersion"] = "autoscaling/v2",
                ["kind"] = "HorizontalPodAutoscaler",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["namespace"] = so.Namespace,
                    ["labels"] = new JsonObject
                    {
                        ["app.kubernetes.io/managed-by"] = "keda-operator",
                        ["app.kubernetes.io/name"] = name,
                        ["app.kubernetes.io/part-of"] = so.Name,
                        [ScaledObjectNameLabel] = so.Name,
                    },
                    ["ownerReferences"] = new JsonArray(new JsonObject
                    {
                        ["apiVersion"] = so.Type.ApiVersion,
                        ["kind"] = so.Type.Kind,
                        ["name"] = so.Name,
                        ["uid"] = so.Uid,
                        ["controller"] = true,
                        ["blockOwnerDeletion"] = true,
                    }),
                },
                ["spec"] = desiredSpec,
            });
            return;
        }

        if (!JsonNode.DeepEquals(existing.Object["spec"], desiredSpec))
        {
            Store.Update(ResourceTypes.HorizontalPodAutoscalers, so.Namespace, name, current =>
            {
                if (current is null)
                {
                    return null;
                }

                var obj = current.Clone();
                obj["spec"] = desiredSpec.DeepClone();
                return obj;
            });
        }
    }

    /// <summary>scale_handler's check of every trigger, then scale_scaledobjects.go's RequestScale.</summary>
    private async Task ScaleLoopAsync(StoredObject so, CancellationToken cancellationToken)
    {
        var isActive = false;
        var isError = false;
        var activeTriggers = new List<string>();
        foreach (var (trigger, index) in Triggers(so).Select((t, i) => (t, i)))
        {
            try
            {
                var value = await EvaluateAsync(trigger, cancellationToken);
                var activation = ParseNumber(trigger.String("metadata.activationThreshold")) ?? 0;
                if (value > activation)
                {
                    isActive = true;
                    activeTriggers.Add(MetricName(index, (string?)trigger["type"] ?? ""));
                }
            }
            catch (Exception e) when (e is PrometheusUnavailableException or InvalidMetricException)
            {
                isError = true;
                LogTriggerFailed(logger, so.Key, e.Message);
            }
        }

        var spec = so.Object["spec"] as JsonObject ?? [];
        var targetType = ResourceTypes.FindByKind(spec.String("scaleTargetRef.apiVersion") ?? "apps/v1", spec.String("scaleTargetRef.kind") ?? "Deployment");
        var targetName = spec.String("scaleTargetRef.name") ?? "";
        var target = targetType is null ? null : Store.Get(targetType, so.Namespace, targetName);
        var status = (so.Object["status"] as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
        var conditionsHolder = new JsonObject { ["status"] = new JsonObject { ["conditions"] = status["conditions"]?.DeepClone() } };
        if (target is null)
        {
            PodConditions.Set(conditionsHolder, "Ready", "False", "ErrorGettingCurrentReplicas", $"Error getting current replicas count for ScaleTarget: {targetName} not found", time);
            WriteStatus(so, status, conditionsHolder);
            return;
        }

        var kind = $"{targetType!.ApiVersion}.{targetType.Kind}";
        status["scaleTargetKind"] = kind;
        status["hpaName"] = "keda-hpa-" + so.Name;
        status["originalReplicaCount"] ??= target.Object.Long("spec.replicas") ?? 1;
        status["externalMetricNames"] = new JsonArray(Triggers(so).Select((t, i) => (JsonNode)MetricName(i, (string?)t["type"] ?? "")).ToArray());
        status["triggersTypes"] = string.Join(",", Triggers(so).Select(t => (string?)t["type"]).Distinct());
        PodConditions.Set(conditionsHolder, "Ready", "True", "ScaledObjectReady", "ScaledObject is defined correctly and is ready for scaling", time);

        var current = (int)(target.Object.Long("spec.replicas") ?? 1);
        var min = (int)(spec.Long("minReplicaCount") ?? 0);
        var forced = so.Object.At($"metadata.annotations") is JsonObject annotations && (string?)annotations[ForceActivationAnnotation] == "true";
        var now = time.GetUtcNow();
        if (isActive || forced)
        {
            PodConditions.Set(conditionsHolder, "Active", "True", "ScalerActive", forced
                ? "Scaling is performed because activation is being forced by annotation"
                : "Scaling is performed because triggers are active", time);
            if (current == 0)
            {
                var replicas = min > 0 ? min : 1;
                if (Scale(targetType, so.Namespace, targetName, replicas))
                {
                    var why = forced ? "caused by forced activation annotation" : $"triggered by {string.Join(";", activeTriggers)}";
                    events.RecordV1(so, "Normal", "KEDAScaleTargetActivated", "KEDAScaleTargetActivated",
                        $"Scaled {kind} {so.Namespace}/{targetName} from {current} to {replicas}, {why}", Controller, Controller);
                    status["lastActiveTime"] = Timestamps.Format(now);
                }
                else
                {
                    events.RecordV1(so, "Warning", "KEDAScaleTargetActivationFailed", "KEDAScaleTargetActivationFailed",
                        $"Failed to scale {kind} {so.Namespace}/{targetName} from {current} to {replicas}", Controller, Controller);
                }
            }
            else if (!isError)
            {
                status["lastActiveTime"] = Timestamps.Format(now);
            }
        }
        else
        {
            PodConditions.Set(conditionsHolder, "Active", "False", "ScalerNotActive", "Scaling is not performed because triggers are not active", time);
            if (isError)
            {
                PodConditions.Set(conditionsHolder, "Ready", "False", "TriggerError", "Triggers defined in ScaledObject are not working correctly", time);
            }
            else if (current > 0 && min == 0)
            {
                var cooldown = TimeSpan.FromSeconds(spec.Long("cooldownPeriod") ?? DefaultCooldownPeriod);
                var initialCooldown = TimeSpan.FromSeconds(spec.Long("initialCooldownPeriod") ?? 0);
                var lastActive = status.String("lastActiveTime") is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
                var created = DateTimeOffset.Parse(so.Object.String("metadata.creationTimestamp") ?? Timestamps.Format(now), CultureInfo.InvariantCulture);
                if ((lastActive is null && created + initialCooldown < now) || (lastActive is { } last && last + cooldown < now))
                {
                    if (Scale(targetType, so.Namespace, targetName, 0))
                    {
                        events.RecordV1(so, "Normal", "KEDAScaleTargetDeactivated", "KEDAScaleTargetDeactivated",
                            $"Deactivated {kind} {so.Namespace}/{targetName} from {current} to 0", Controller, Controller);
                    }
                    else
                    {
                        events.RecordV1(so, "Warning", "KEDAScaleTargetDeactivationFailed", "KEDAScaleTargetDeactivationFailed",
                            $"Failed to deactivate {kind} {so.Namespace}/{targetName} from {current} to 0", Controller, Controller);
                    }
                }
                else
                {
                    PodConditions.Set(conditionsHolder, "Active", "False", "ScalerCooldown", "Scaler cooling down because triggers are not active", time);
                }
            }
            else if (current < min)
            {
                Scale(targetType, so.Namespace, targetName, min);
            }
        }

        WriteStatus(so, status, conditionsHolder);
    }

    /// <summary>The metrics server side: the HPA asks for <c>sN-prometheus</c> of a ScaledObject and gets the trigger's query value.</summary>
    public async Task<IReadOnlyList<double>?> ValuesAsync(string ns, string metricName, IReadOnlyDictionary<string, string> selector, CancellationToken cancellationToken)
    {
        if (!selector.TryGetValue(ScaledObjectNameLabel, out var name) || Store.Get(ResourceTypes.ScaledObjects, ns, name) is not { } so)
        {
            return null;
        }

        var trigger = Triggers(so).Select((t, i) => (t, i)).FirstOrDefault(x => MetricName(x.i, (string?)x.t["type"] ?? "") == metricName).t
            ?? throw new MetricNotFoundException($"no metric {metricName} on ScaledObject {ns}/{name}");
        return [await EvaluateAsync(trigger, cancellationToken)];
    }

    /// <summary>The prometheus scaler's ExecutePromQuery: an empty result is 0 (ignoreNullValues), more than one element an error, NaN/Inf 0.</summary>
    private async Task<double> EvaluateAsync(JsonObject trigger, CancellationToken cancellationToken)
    {
        if ((string?)trigger["type"] != "prometheus")
        {
            throw new InvalidMetricException($"the simulated KEDA runs prometheus triggers only, not {(string?)trigger["type"]}");
        }

        var query = trigger.String("metadata.query") ?? throw new InvalidMetricException("no query given");
        var ignoreNull = trigger.String("metadata.ignoreNullValues") is not "false";
        var address = trigger.String("metadata.serverAddress") ?? throw new InvalidMetricException("no serverAddress given");
        if (!Uri.TryCreate(address, UriKind.Absolute, out var server))
        {
            throw new InvalidMetricException($"serverAddress {address} is not a URL");
        }

        var prometheus = _servers.GetOrAdd(server.ToString(), _ => new PrometheusQueries(server, TimeSpan.FromSeconds(5)));
        var samples = await prometheus.QueryAsync(query, cancellationToken);
        if (samples.Count == 0)
        {
            return ignoreNull ? 0 : throw new InvalidMetricException("prometheus metrics 'prometheus' target may be lost, the result is empty");
        }

        if (samples.Count > 1)
        {
            throw new InvalidMetricException($"prometheus query {query} returned multiple elements");
        }

        var value = samples[0].Value;
        return double.IsFinite(value) ? value : ignoreNull ? 0 : throw new InvalidMetricException($"prometheus query returns {value}");
    }

    private bool Scale(ResourceType type, string ns, string name, int replicas)
    {
        try
        {
            api.UpdateScale(type, ns, name, scale =>
            {
                scale.Child("spec")["replicas"] = replicas;
                scale.Metadata().Remove("resourceVersion");
                return scale;
            });
            return true;
        }
        catch (ApiException)
        {
            return false;
        }
    }

    private void WriteStatus(StoredObject so, JsonObject status, JsonObject conditionsHolder)
    {
        status["conditions"] = conditionsHolder.At("status.conditions")?.DeepClone();
        try
        {
            Store.Update(ResourceTypes.ScaledObjects, so.Namespace, so.Name, current =>
            {
                if (current is null || current.Uid != so.Uid)
                {
                    return null;
                }

                var obj = current.Clone();
                obj["status"] = status.DeepClone();
                return obj;
            });
        }
        catch (ApiException)
        {
        }
    }

    private static IEnumerable<JsonObject> Triggers(StoredObject so) => (so.Object.At("spec.triggers") as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>GenerateMetricNameWithIndex: <c>s{index}-{scaler}</c>.</summary>
    private static string MetricName(int index, string scaler) => $"s{index}-{scaler}";

    private static double? ParseNumber(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "KEDA {Key}: scale loop failed")]
    private static partial void LogFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "KEDA {Key}: trigger failed: {Reason}")]
    private static partial void LogTriggerFailed(ILogger logger, string key, string reason);
}
