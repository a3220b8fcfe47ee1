using System.Globalization;
using k8s.Models;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Domain.Manifests;

/// <summary>The HPA (autoscaling/v2) or KEDA ScaledObject that scales a deployment's StatefulSet.</summary>
internal static class AutoscalerRenderer
{
    public static V2HorizontalPodAutoscaler? Hpa(DeploymentSpec spec, EngineProfile profile)
    {
        var autoscaling = spec.Autoscaling;
        if (autoscaling.Mode != AutoscalingMode.Hpa)
        {
            return null;
        }

        return new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = Metadata(spec),
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "StatefulSet", Name = spec.Name },
                MinReplicas = autoscaling.MinReplicas,
                MaxReplicas = autoscaling.MaxReplicas,
                Metrics = [HpaMetric(spec, profile)],
                Behavior = Behavior(autoscaling),
            },
        };
    }

    public static KedaScaledObject? ScaledObject(DeploymentSpec spec, EngineProfile profile, RenderOptions options)
    {
        var autoscaling = spec.Autoscaling;
        if (autoscaling.Mode != AutoscalingMode.Keda)
        {
            return null;
        }

        return new KedaScaledObject
        {
            Metadata = Metadata(spec),
            Spec = new KedaScaledObjectSpec
            {
                ScaleTargetRef = new KedaScaleTargetRef { ApiVersion = "apps/v1", Kind = "StatefulSet", Name = spec.Name },
                PollingInterval = autoscaling.PollingSeconds,
                CooldownPeriod = autoscaling.CooldownSeconds,
                MinReplicaCount = autoscaling.MinReplicas,
                MaxReplicaCount = autoscaling.MaxReplicas,
                Advanced = new KedaAdvanced { HorizontalPodAutoscalerConfig = new KedaHpaConfig { Behavior = Behavior(autoscaling) } },
                Triggers = KedaTriggers(spec, profile, options),
            },
        };
    }

    /// <summary>
    /// The custom-metric name prometheus-adapter exposes for an engine metric: colons do not
    /// survive as custom-metric names, so <c>vllm:num_requests_waiting</c> becomes <c>vllm_num_requests_waiting</c>.
    /// </summary>
    public static string CustomMetricName(string prometheusName) => prometheusName.Replace(':', '_');

    /// <summary>
    /// KEDA feeds every trigger to its HPA too. The wake trigger is there for activation only (any request the
    /// gateway forwards or holds keeps a scaled-to-zero deployment up), so its scaling threshold is out of reach.
    /// </summary>
    public const string ActivationOnlyThreshold = "1000000";

    /// <summary>The name of the trigger that wakes a deployment scaled to zero.</summary>
    public const string WakeTriggerName = "gateway-requests";

    private static V1ObjectMeta Metadata(DeploymentSpec spec) =>
        new() { Name = spec.Name, NamespaceProperty = spec.Namespace, Labels = PortalLabels.For(spec) };

    /// <summary>The scale-down stabilisation window is the spec's cooldown; scale-up keeps the controller's defaults.</summary>
    private static V2HorizontalPodAutoscalerBehavior Behavior(AutoscalingSpec autoscaling) => new()
    {
        ScaleDown = new V2HPAScalingRules { StabilizationWindowSeconds = autoscaling.CooldownSeconds },
    };

    private static V2MetricSpec HpaMetric(DeploymentSpec spec, EngineProfile profile)
    {
        var autoscaling = spec.Autoscaling;
        if (autoscaling.Metric == AutoscalingMetrics.Cpu)
        {
            return new V2MetricSpec
            {
                Type = "Resource",
                Resource = new V2ResourceMetricSource
                {
                    Name = "cpu",
                    Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = CpuPercent(autoscaling) },
                },
            };
        }

        var metric = autoscaling.Metric == AutoscalingMetrics.GpuUtilization ? Monitoring.MetricCatalog.GpuUtil : EngineMetric(autoscaling, profile);
        return new V2MetricSpec
        {
            Type = "Pods",
            Pods = new V2PodsMetricSource
            {
                Metric = new V2MetricIdentifier { Name = CustomMetricName(metric) },
                Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity(Number(AutoscalingMetrics.PerReplicaTarget(spec))) },
            },
        };
    }

    private static List<KedaTrigger> KedaTriggers(DeploymentSpec spec, EngineProfile profile, RenderOptions options)
    {
        var autoscaling = spec.Autoscaling;
        if (autoscaling.Metric == AutoscalingMetrics.Cpu)
        {
            return
            [
                new KedaTrigger
                {
                    Type = "cpu",
                    MetricType = "Utilization",
                    Metadata = new Dictionary<string, string> { ["value"] = CpuPercent(autoscaling).ToString(CultureInfo.InvariantCulture) },
                },
            ];
        }

        var signal = AutoscalingMetrics.Signal(autoscaling.Metric)!;
        var query = Monitoring.AutoscalingQueries.Total(spec, options.DeploymentSeriesLabel)
            ?? throw new InvalidOperationException($"{profile.DisplayName} has no metric for {autoscaling.Metric}.");
        var triggers = new List<KedaTrigger>
        {
            new()
            {
                Type = "prometheus",
                Name = autoscaling.Metric,
                MetricType = signal.TargetType == SignalTarget.Value ? "Value" : null,
                Metadata = new Dictionary<string, string>
                {
                    ["serverAddress"] = options.PrometheusServerAddress,
                    ["query"] = query,
                    ["threshold"] = Number(AutoscalingMetrics.PerReplicaTarget(spec)),
                },
            },
        };

        if (autoscaling.MinReplicas == 0 && autoscaling.Metric != AutoscalingMetrics.GatewayInFlight)
        {
            triggers.Add(new KedaTrigger
            {
                Type = "prometheus",
                Name = WakeTriggerName,
                Metadata = new Dictionary<string, string>
                {
                    ["serverAddress"] = options.PrometheusServerAddress,
                    ["query"] = Monitoring.AutoscalingQueries.GatewayRequests(spec.Name),
                    ["threshold"] = ActivationOnlyThreshold,
                    ["activationThreshold"] = "0",
                },
            });
        }

        return triggers;
    }

    private static string EngineMetric(AutoscalingSpec autoscaling, EngineProfile profile) =>
        AutoscalingMetrics.EngineMetric(profile.Metrics, autoscaling.Metric)
        ?? throw new InvalidOperationException($"{profile.DisplayName} has no metric for {autoscaling.Metric}.");

    private static int CpuPercent(AutoscalingSpec autoscaling) => (int)Math.Round(autoscaling.Target);

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
