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
                Metrics = [HpaMetric(autoscaling, profile)],
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
                PollingInterval = 15,
                CooldownPeriod = 300,
                MinReplicaCount = autoscaling.MinReplicas,
                MaxReplicaCount = autoscaling.MaxReplicas,
                Triggers = [KedaTrigger(spec, profile, options)],
            },
        };
    }

    /// <summary>
    /// The custom-metric name prometheus-adapter exposes for an engine metric: colons do not
    /// survive as custom-metric names, so <c>vllm:num_requests_waiting</c> becomes <c>vllm_num_requests_waiting</c>.
    /// </summary>
    public static string CustomMetricName(string prometheusName) => prometheusName.Replace(':', '_');

    /// <summary>The PromQL KEDA evaluates: the metric summed over one deployment's pods.</summary>
    public static string KedaQuery(DeploymentSpec spec, string prometheusName, RenderOptions options) =>
        $"sum({prometheusName}{{namespace=\"{spec.Namespace}\",{options.DeploymentSeriesLabel}=\"{spec.Name}\"}})";

    private static V1ObjectMeta Metadata(DeploymentSpec spec) =>
        new() { Name = spec.Name, NamespaceProperty = spec.Namespace, Labels = PortalLabels.For(spec) };

    private static V2MetricSpec HpaMetric(AutoscalingSpec autoscaling, EngineProfile profile)
    {
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

        var metric = EngineMetric(autoscaling, profile);
        return new V2MetricSpec
        {
            Type = "Pods",
            Pods = new V2PodsMetricSource
            {
                Metric = new V2MetricIdentifier { Name = CustomMetricName(metric) },
                Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity(Number(autoscaling.Target)) },
            },
        };
    }

    private static KedaTrigger KedaTrigger(DeploymentSpec spec, EngineProfile profile, RenderOptions options)
    {
        var autoscaling = spec.Autoscaling;
        if (autoscaling.Metric == AutoscalingMetrics.Cpu)
        {
            return new KedaTrigger
            {
                Type = "cpu",
                MetricType = "Utilization",
                Metadata = new Dictionary<string, string> { ["value"] = CpuPercent(autoscaling).ToString(CultureInfo.InvariantCulture) },
            };
        }

        return new KedaTrigger
        {
            Type = "prometheus",
            Metadata = new Dictionary<string, string>
            {
                ["serverAddress"] = options.PrometheusServerAddress,
                ["query"] = KedaQuery(spec, EngineMetric(autoscaling, profile), options),
                ["threshold"] = Number(autoscaling.Target),
            },
        };
    }

    private static string EngineMetric(AutoscalingSpec autoscaling, EngineProfile profile) =>
        AutoscalingMetrics.EngineMetric(profile.Metrics, autoscaling.Metric)
        ?? throw new InvalidOperationException($"{profile.DisplayName} has no metric for {autoscaling.Metric}.");

    private static int CpuPercent(AutoscalingSpec autoscaling) => (int)Math.Round(autoscaling.Target);

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
