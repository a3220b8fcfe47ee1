using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Portal.Gateway;

/// <summary>
/// The gateway's metrics (meter <c>Portal.Gateway</c>), on the portal's <c>/metrics</c> as
/// <c>portal_gateway_requests_total</c>, <c>…_time_to_first_token_seconds</c>, <c>…_request_duration_seconds</c>,
/// <c>…_output_tokens_total</c>, <c>…_in_flight_requests</c> and <c>…_held_requests</c> (waiting for a wake from zero). The exported names are a contract with the
/// dashboard and the Grafana rules: do not rename the instruments.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Portal.Gateway";
    public const string RequestsInstrument = "portal.gateway.requests";
    public const string TimeToFirstTokenInstrument = "portal.gateway.time_to_first_token";
    public const string RequestDurationInstrument = "portal.gateway.request_duration";
    public const string OutputTokensInstrument = "portal.gateway.output_tokens";
    public const string InFlightInstrument = "portal.gateway.in_flight_requests";
    public const string HeldInstrument = "portal.gateway.held_requests";

    /// <summary>Status recorded when the client went away before the response was complete (nginx's convention).</summary>
    public const int ClientClosedRequest = 499;

    private readonly Instruments _instruments;
    private readonly ConcurrentDictionary<(string, string), DeploymentMetricSet> _sets = new();

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _instruments = new Instruments(
            meter.CreateCounter<long>(RequestsInstrument, "{request}",
                "Requests through the OpenAI-compatible gateway, by deployment, framework and HTTP status (499: the client went away)."),
            meter.CreateHistogram(TimeToFirstTokenInstrument, "s",
                "Time from the gateway receiving a streamed request to the first generated token reaching the client.",
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80] }),
            meter.CreateHistogram(RequestDurationInstrument, "s",
                "Time from the gateway receiving a request to the last byte of its response.",
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600] }),
            meter.CreateCounter<long>(OutputTokensInstrument, "{token}",
                "Generated tokens returned through the gateway: the usage block's completion_tokens, or the streamed content chunks counted."),
            meter.CreateUpDownCounter<long>(InFlightInstrument, "{request}", "Requests the gateway is forwarding right now."),
            meter.CreateUpDownCounter<long>(HeldInstrument, "{request}", "Requests the gateway holds while their deployment wakes from zero replicas."));
        Unrouted = new DeploymentMetricSet("", "", _instruments);
    }

    /// <summary>Requests that never reached a deployment (401, 404, malformed body).</summary>
    public DeploymentMetricSet Unrouted { get; }

    public DeploymentMetricSet For(string deployment, string framework) =>
        _sets.GetOrAdd((deployment, framework), key => new DeploymentMetricSet(key.Item1, key.Item2, _instruments));

    internal sealed record Instruments(
        Counter<long> Requests, Histogram<double> TimeToFirstToken, Histogram<double> Duration, Counter<long> OutputTokens, UpDownCounter<long> InFlight, UpDownCounter<long> Held);
}

/// <summary>The metrics of one deployment, with its tags built once so the hot path allocates nothing.</summary>
public sealed class DeploymentMetricSet
{
    private readonly GatewayMetrics.Instruments _instruments;
    private readonly KeyValuePair<string, object?> _deployment;
    private readonly KeyValuePair<string, object?> _framework;
    private readonly KeyValuePair<string, object?>[] _statuses = new KeyValuePair<string, object?>[500];

    internal DeploymentMetricSet(string deployment, string framework, GatewayMetrics.Instruments instruments)
    {
        _instruments = instruments;
        _deployment = new("deployment", deployment);
        _framework = new("framework", framework);
    }

    internal void ObserveTimeToFirstToken(double seconds) => _instruments.TimeToFirstToken.Record(seconds, _deployment, _framework);

    internal void ObserveDuration(double seconds) => _instruments.Duration.Record(seconds, _deployment, _framework);

    internal void CountOutputTokens(long tokens) => _instruments.OutputTokens.Add(tokens, _deployment, _framework);

    internal void StartedForwarding() => _instruments.InFlight.Add(1, _deployment, _framework);

    internal void StoppedForwarding() => _instruments.InFlight.Add(-1, _deployment, _framework);

    internal void StartedHolding() => _instruments.Held.Add(1, _deployment, _framework);

    internal void StoppedHolding() => _instruments.Held.Add(-1, _deployment, _framework);

    internal void CountRequest(int status) => _instruments.Requests.Add(1, _deployment, _framework, StatusTag(status));

    private KeyValuePair<string, object?> StatusTag(int status)
    {
        var index = status - 100;
        if ((uint)index >= (uint)_statuses.Length)
        {
            return new("status", status.ToString(CultureInfo.InvariantCulture));
        }

        var tag = _statuses[index];
        if (tag.Key is null)
        {
            tag = new("status", status.ToString(CultureInfo.InvariantCulture));
            _statuses[index] = tag;
        }

        return tag;
    }
}
