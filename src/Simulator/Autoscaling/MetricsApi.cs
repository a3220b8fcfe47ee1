using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Portal.Simulator.Api;

namespace Portal.Simulator.Autoscaling;

/// <summary>
/// The aggregated metrics APIs on the API server, as <c>kubectl get --raw</c> reads them:
/// <c>/apis/custom.metrics.k8s.io/v1beta1/namespaces/NS/pods/*/METRIC</c> (a MetricValueList, one item per pod)
/// and <c>/apis/external.metrics.k8s.io/v1beta1/namespaces/NS/METRIC?labelSelector=…</c> (an ExternalMetricValueList).
/// </summary>
internal static class MetricsApi
{
    public static async Task<JsonObject?> TryServeAsync(HttpContext context, string path, MetricsAdapter adapter, ObjectStore store, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var parts = path.TrimEnd('/').Split('/');
        var now = Timestamps.Format(time.GetUtcNow());
        try
        {
            switch (parts)
            {
                case ["", "apis", "custom.metrics.k8s.io", "v1beta1", "namespaces", var ns, "pods", var pod, var metric]:
                {
                    var selector = Selector(context.Request.Query["labelSelector"]);
                    var pods = store.List(ResourceTypes.Pods, ns).Items
                        .Where(p => (pod == "*" || p.Name == pod) && selector.All(s => p.Labels.GetValueOrDefault(s.Key) == s.Value))
                        .Select(p => p.Name).ToList();
                    var values = await adapter.PodMetricsAsync(ns, metric, pods, ct);
                    return new JsonObject
                    {
                        ["kind"] = "MetricValueList",
                        ["apiVersion"] = "custom.metrics.k8s.io/v1beta1",
                        ["metadata"] = new JsonObject(),
                        ["items"] = new JsonArray(values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => (JsonNode)new JsonObject
                        {
                            ["describedObject"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = v.Key, ["apiVersion"] = "/v1" },
                            ["metricName"] = metric,
                            ["timestamp"] = now,
                            ["value"] = Milli(v.Value),
                            ["selector"] = null,
                        }).ToArray()),
                    };
                }

                case ["", "apis", "external.metrics.k8s.io", "v1beta1", "namespaces", var ns, var metric]:
                {
                    var values = await adapter.ExternalAsync(ns, metric, Selector(context.Request.Query["labelSelector"]), ct);
                    return new JsonObject
                    {
                        ["kind"] = "ExternalMetricValueList",
                        ["apiVersion"] = "external.metrics.k8s.io/v1beta1",
                        ["metadata"] = new JsonObject(),
                        ["items"] = new JsonArray(values.Select(v => (JsonNode)new JsonObject
                        {
                            ["metricName"] = metric,
                            ["metricLabels"] = new JsonObject(),
                            ["timestamp"] = now,
                            ["value"] = Milli(v),
                        }).ToArray()),
                    };
                }

                default:
                    return null;
            }
        }
        catch (MetricNotFoundException e)
        {
            throw new ApiException(404, "NotFound", e.Message);
        }
        catch (PrometheusUnavailableException e)
        {
            throw new ApiException(503, "ServiceUnavailable", e.Message);
        }
    }

    private static Dictionary<string, string> Selector(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].TrimEnd('='), p => p[1].TrimStart('='));

    private static string Milli(double value)
    {
        var milli = (long)Math.Ceiling(value * 1000);
        return milli % 1000 == 0 ? (milli / 1000).ToString(CultureInfo.InvariantCulture) : milli.ToString(CultureInfo.InvariantCulture) + "m";
    }
}
