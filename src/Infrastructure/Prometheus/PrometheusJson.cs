using System.Globalization;
using System.Text.Json;
using Portal.Application.Monitoring;

namespace Portal.Infrastructure.Prometheus;

/// <summary>Reads the Prometheus HTTP API's JSON envelope and result types.</summary>
internal static class PrometheusJson
{
    /// <summary>The envelope: <c>{"status":"success","data":…,"warnings":[…]}</c> or <c>{"status":"error","errorType":…,"error":…}</c>.</summary>
    public static (JsonElement Data, IReadOnlyList<string> Warnings, PrometheusApiError? Error) ReadEnvelope(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var status))
        {
            throw new JsonException("not a Prometheus API response (no status)");
        }

        if (status.GetString() != "success")
        {
            var errorType = root.TryGetProperty("errorType", out var t) ? t.GetString() : null;
            var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
            return (default, [], new PrometheusApiError(errorType ?? "unknown", error ?? "Prometheus reported an error without a message"));
        }

        var warnings = root.TryGetProperty("warnings", out var w) && w.ValueKind == JsonValueKind.Array
            ? w.EnumerateArray().Select(x => x.GetString() ?? "").ToArray()
            : [];
        return (root.TryGetProperty("data", out var data) ? data : default, warnings, null);
    }

    public static IReadOnlyList<InstantSample> ReadVector(JsonElement data)
    {
        var (type, result) = ResultOf(data);
        switch (type)
        {
            case "vector":
                var samples = new List<InstantSample>(result.GetArrayLength());
                foreach (var item in result.EnumerateArray())
                {
                    var (time, value) = ReadPoint(item.GetProperty("value"));
                    samples.Add(new InstantSample(ReadLabels(item), DateTimeOffset.FromUnixTimeMilliseconds(time), value));
                }

                return samples;
            case "scalar":
                var (t, v) = ReadPoint(result);
                return [new InstantSample(MetricLabels.Empty, DateTimeOffset.FromUnixTimeMilliseconds(t), v)];
            default:
                throw new JsonException($"expected an instant vector or scalar, got {type}");
        }
    }

    public static IReadOnlyList<RangeSeries> ReadMatrix(JsonElement data)
    {
        var (type, result) = ResultOf(data);
        if (type != "matrix")
        {
            throw new JsonException($"expected a range matrix, got {type}");
        }

        var series = new List<RangeSeries>(result.GetArrayLength());
        foreach (var item in result.EnumerateArray())
        {
            var values = item.GetProperty("values");
            var points = new SamplePoint[values.GetArrayLength()];
            var i = 0;
            foreach (var pair in values.EnumerateArray())
            {
                var (time, value) = ReadPoint(pair);
                points[i++] = new SamplePoint(time, value);
            }

            series.Add(new RangeSeries(ReadLabels(item), points));
        }

        return series;
    }

    public static IReadOnlyList<ScrapeTarget> ReadTargets(JsonElement data)
    {
        var targets = new List<ScrapeTarget>();
        if (!data.TryGetProperty("activeTargets", out var active))
        {
            return targets;
        }

        foreach (var t in active.EnumerateArray())
        {
            DateTimeOffset? lastScrape = t.TryGetProperty("lastScrape", out var ls) && ls.ValueKind == JsonValueKind.String &&
                                         DateTimeOffset.TryParse(ls.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) &&
                                         parsed.Year > 1
                ? parsed
                : null;
            var duration = t.TryGetProperty("lastScrapeDuration", out var d) && d.ValueKind == JsonValueKind.Number
                ? TimeSpan.FromSeconds(d.GetDouble())
                : TimeSpan.Zero;
            targets.Add(new ScrapeTarget(
                t.TryGetProperty("labels", out var labels) ? LabelsOf(labels) : MetricLabels.Empty,
                StringOf(t, "scrapePool"),
                StringOf(t, "scrapeUrl"),
                StringOf(t, "health"),
                StringOf(t, "lastError"),
                lastScrape,
                duration));
        }

        return targets;
    }

    private static (string Type, JsonElement Result) ResultOf(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("resultType", out var type) || !data.TryGetProperty("result", out var result))
        {
            throw new JsonException("no resultType/result in the data");
        }

        return (type.GetString() ?? "", result);
    }

    private static MetricLabels ReadLabels(JsonElement item) =>
        item.TryGetProperty("metric", out var metric) ? LabelsOf(metric) : MetricLabels.Empty;

    private static MetricLabels LabelsOf(JsonElement obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            labels[property.Name] = property.Value.GetString() ?? "";
        }

        return new MetricLabels(labels);
    }

    /// <summary>A <c>[unixSeconds, "value"]</c> pair.</summary>
    private static (long UnixMilliseconds, double Value) ReadPoint(JsonElement pair)
    {
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
        {
            throw new JsonException("a sample is not a [time, value] pair");
        }

        var seconds = pair[0].GetDouble();
        return ((long)Math.Round(seconds * 1000), ParseValue(pair[1].GetString()));
    }

    /// <summary>Prometheus writes values as strings, with <c>NaN</c>, <c>+Inf</c> and <c>-Inf</c>.</summary>
    public static double ParseValue(string? text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        null => throw new JsonException("a sample value is missing"),
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string StringOf(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";
}

/// <summary>The <c>errorType</c> and <c>error</c> of a Prometheus error answer.</summary>
internal sealed record PrometheusApiError(string ErrorType, string Message);
