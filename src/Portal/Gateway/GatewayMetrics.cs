using System.Collections.Concurrent;
using System.Globalization;
using Prometheus;

namespace Portal.Gateway;

/// <summary>
/// The gateway's Prometheus metrics, on the portal's <c>/metrics</c>. The names are a contract with
/// the dashboard and the Grafana rules: do not rename them.
/// </summary>
public sealed class GatewayMetrics
{
    public const string RequestsTotal = "portal_gateway_requests_total";
    public const string TimeToFirstToken = "portal_gateway_time_to_first_token_seconds";
    public const string RequestDuration = "portal_gateway_request_duration_seconds";
    public const string OutputTokensTotal = "portal_gateway_output_tokens_total";
    public const string InFlightRequests = "portal_gateway_in_flight_requests";

    /// <summary>Status recorded when the client went away before the response was complete (nginx's convention).</summary>
    public const int ClientClosedRequest = 499;

    private static readonly string[] DeploymentLabels = ["deployment", "framework"];

    private static readonly Counter Requests = Metrics.CreateCounter(RequestsTotal,
        "Requests through the OpenAI-compatible gateway, by deployment, framework and HTTP status (499: the client went away).",
        new CounterConfiguration { LabelNames = ["deployment", "framework", "status"] });

    private static readonly Histogram Ttft = Metrics.CreateHistogram(TimeToFirstToken,
        "Time from the gateway receiving a streamed request to the first generated token reaching the client.",
        new HistogramConfiguration
        {
            LabelNames = DeploymentLabels,
            Buckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80],
        });

    private static readonly Histogram Duration = Metrics.CreateHistogram(RequestDuration,
        "Time from the gateway receiving a request to the last byte of its response.",
        new HistogramConfiguration
        {
            LabelNames = DeploymentLabels,
            Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600],
        });

    private static readonly Counter OutputTokens = Metrics.CreateCounter(OutputTokensTotal,
        "Generated tokens returned through the gateway: the usage block's completion_tokens, or the streamed content chunks counted.",
        new CounterConfiguration { LabelNames = DeploymentLabels });

    private static readonly Gauge InFlight = Metrics.CreateGauge(InFlightRequests,
        "Requests the gateway is forwarding right now.",
        new GaugeConfiguration { LabelNames = DeploymentLabels });

    private readonly ConcurrentDictionary<(string, string), DeploymentMetricSet> _sets = new();

    /// <summary>Requests that never reached a deployment (401, 404, malformed body).</summary>
    public DeploymentMetricSet Unrouted { get; } = new("", "", Requests, Ttft, Duration, OutputTokens, InFlight);

    public DeploymentMetricSet For(string deployment, string framework) =>
        _sets.GetOrAdd((deployment, framework), key => new DeploymentMetricSet(key.Item1, key.Item2, Requests, Ttft, Duration, OutputTokens, InFlight));
}

/// <summary>The metric children of one deployment, resolved once so the hot path does no label lookups.</summary>
public sealed class DeploymentMetricSet
{
    private readonly string _deployment;
    private readonly string _framework;
    private readonly Counter _requests;
    private readonly Counter.Child?[] _byStatus = new Counter.Child?[500];

    internal DeploymentMetricSet(string deployment, string framework, Counter requests, Histogram ttft, Histogram duration, Counter tokens, Gauge inFlight)
    {
        _deployment = deployment;
        _framework = framework;
        _requests = requests;
        TimeToFirstToken = ttft.WithLabels(deployment, framework);
        Duration = duration.WithLabels(deployment, framework);
        OutputTokens = tokens.WithLabels(deployment, framework);
        InFlight = inFlight.WithLabels(deployment, framework);
    }

    internal Histogram.Child TimeToFirstToken { get; }

    internal Histogram.Child Duration { get; }

    internal Counter.Child OutputTokens { get; }

    internal Gauge.Child InFlight { get; }

    internal void CountRequest(int status)
    {
        var index = status - 100;
        if ((uint)index >= (uint)_byStatus.Length)
        {
            _requests.WithLabels(_deployment, _framework, status.ToString(CultureInfo.InvariantCulture)).Inc();
            return;
        }

        var child = Volatile.Read(ref _byStatus[index]);
        if (child is null)
        {
            child = _requests.WithLabels(_deployment, _framework, status.ToString(CultureInfo.InvariantCulture));
            Volatile.Write(ref _byStatus[index], child);
        }

        child.Inc();
    }
}
