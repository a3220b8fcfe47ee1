using System.Globalization;
using System.Text.Json.Nodes;

namespace Portal.Simulator.Autoscaling;

/// <summary>One sample of an instant query: its labels and value.</summary>
internal sealed record PromSample(IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Instant queries against a real Prometheus over its HTTP API (<c>GET /api/v1/query</c>), as prometheus-adapter
/// and KEDA's prometheus scaler send them. Null when the simulator runs without a Prometheus.
/// </summary>
internal sealed class PrometheusQueries(Uri? url, TimeSpan timeout) : IDisposable
{
    private readonly HttpClient? _http = url is null ? null : new HttpClient { BaseAddress = new Uri(url.ToString().TrimEnd('/') + "/"), Timeout = timeout };

    public bool Configured => _http is not null;

    /// <summary>The result vector of <paramref name="promql"/> now; throws <see cref="PrometheusUnavailableException"/> when it cannot be read.</summary>
    public async Task<IReadOnlyList<PromSample>> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        if (_http is null)
        {
            throw new PrometheusUnavailableException("no Prometheus is configured for the metrics adapter (--prometheus-url)");
        }

        JsonNode? json;
        try
        {
            using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(promql), cancellationToken);
            json = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (!response.IsSuccessStatusCode || (string?)json?["status"] != "success")
            {
                throw new PrometheusUnavailableException($"Prometheus answered {(int)response.StatusCode}: {(string?)json?["error"]}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
        {
            throw new PrometheusUnavailableException($"Prometheus could not be queried: {e.Message}");
        }

        var result = json!["data"]?["result"];
        if (result is not JsonArray vector)
        {
            // A scalar (vector(0) folded) comes as [time, "value"].
            return result is JsonArray { Count: 2 } scalar ? [new PromSample(new Dictionary<string, string>(), Parse((string?)scalar[1]))] : [];
        }

        return vector.OfType<JsonObject>().Select(s => new PromSample(
            (s["metric"] as JsonObject ?? []).ToDictionary(p => p.Key, p => (string?)p.Value ?? ""),
            Parse((string?)s["value"]?[1]))).ToList();
    }

    private static double Parse(string? text) => text switch
    {
        null => double.NaN,
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };

    public void Dispose() => _http?.Dispose();
}

internal sealed class PrometheusUnavailableException(string message) : Exception(message);
