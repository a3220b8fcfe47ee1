using System.Globalization;
using Portal.Application.Monitoring;
using Portal.Application.Ports;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Monitoring;

namespace Portal.Application.Autoscaling;

/// <summary>One line of a signal chart: a deployment's compared value over time.</summary>
public sealed record SignalSeries(string Deployment, IReadOnlyList<SamplePoint> Points);

/// <summary>
/// What the autoscaling panel draws: the signal as the autoscaler compares it with the target, the target, the value
/// now, and the replicas the formula gives for it; <see cref="Problem"/> says why there is no data when there is none.
/// </summary>
public sealed record SignalReading(
    AutoscalingSignal Signal,
    string? Query,
    IReadOnlyList<SignalSeries> Series,
    double Target,
    string? Deployment,
    double? Now,
    int CurrentReplicas,
    int? FormulaReplicas,
    string? Problem);

/// <summary>One decision an autoscaler made, from its event, with the signal's value at that time.</summary>
public sealed record ScalingDecision(DateTimeOffset? At, string By, string Reason, string Message, int? NewSize, double? Value, double Target, int Count);

/// <summary>
/// The autoscaling panel's reads: the signal of a deployment (or of similar running ones, for the wizard) over the
/// last hour from Prometheus, and the decisions the HPA and KEDA recorded as events, each with the signal's value then.
/// </summary>
public sealed class AutoscalingInsights(IPrometheus prometheus, IDeploymentStore store, ModelWaker waker)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    public const int Points = 120;
    private const int MostSimilar = 4;

    /// <summary>The deployment's signal over the last hour, with the formula's replicas for the latest value.</summary>
    public async Task<SignalReading> ForDeploymentAsync(Deployment deployment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var spec = deployment.Spec;
        var reading = await ReadAsync(spec, [spec], now, cancellationToken, since: deployment.CreatedAt);
        return reading with { CurrentReplicas = deployment.ReadyReplicas, FormulaReplicas = Formula(spec.Autoscaling, reading.Now, deployment.ReadyReplicas) };
    }

    /// <summary>For the wizard: the draft's signal and target on running deployments of the same framework (their own replicas).</summary>
    public async Task<SignalReading> ForSimilarAsync(DeploymentSpec draft, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var similar = (await store.ListAsync(cancellationToken))
            .Where(d => d.Framework == draft.Framework && d.DesiredState == DesiredState.Running && d.Name != draft.Name)
            .OrderByDescending(d => d.ReadyReplicas).ThenBy(d => d.Name, StringComparer.Ordinal)
            .Take(MostSimilar)
            .ToList();
        if (similar.Count == 0)
        {
            var signal = AutoscalingMetrics.Signal(draft.Autoscaling.Metric) ?? AutoscalingMetrics.Signals[0];
            return new SignalReading(signal, AutoscalingQueries.Compared(draft), [], draft.Autoscaling.Target, null, null, 0, null,
                $"No running {draft.Framework} deployment to show this signal for yet.");
        }

        var specs = similar.Select(d => d.Spec with { Autoscaling = draft.Autoscaling }).ToList();
        var reading = await ReadAsync(specs[0], specs, now, cancellationToken);
        var first = similar[0];
        return reading with { Deployment = first.Name, CurrentReplicas = first.ReadyReplicas, FormulaReplicas = Formula(draft.Autoscaling, reading.Now, first.ReadyReplicas) };
    }

    /// <summary>The HPA's and KEDA's decisions among <paramref name="events"/>, newest first, each with the signal's value at its time.</summary>
    /// <param name="known">Decisions read before (their values are not asked for again).</param>
    public async Task<IReadOnlyList<ScalingDecision>> DecisionsAsync(
        Deployment deployment, IReadOnlyList<EventInfo> events, CancellationToken cancellationToken, IReadOnlyList<ScalingDecision>? known = null)
    {
        var spec = deployment.Spec;
        var query = AutoscalingQueries.Compared(spec);
        var decisions = new List<ScalingDecision>();
        foreach (var e in events.Where(IsDecision).Take(20))
        {
            double? value = known?.FirstOrDefault(k => k.At == e.LastSeen && k.Message == e.Message)?.Value;
            if (value is null && query is not null && e.LastSeen is { } at)
            {
                var result = await prometheus.QueryAsync(query, DecidedBy(at), cancellationToken);
                value = result.IsSuccess && result.Value.Count > 0 && double.IsFinite(result.Value[0].Value) ? result.Value[0].Value : null;
            }

            decisions.Add(new ScalingDecision(e.LastSeen, e.ObjectKind == "ScaledObject" ? "KEDA" : "HPA", e.Reason, e.Message, NewSize(e), value, spec.Autoscaling.Target, e.Count));
        }

        return decisions;
    }

    /// <summary>
    /// When the signal the decision acted on was last read: the HPA records core/v1 events, whose lastTimestamp is in
    /// whole seconds (metav1.Time), so the decision happened within the second it names — read the signal at that
    /// second's end, or a ramp that began within it reads as the value before. KEDA's events.k8s.io times are exact.
    /// </summary>
    private static DateTimeOffset DecidedBy(DateTimeOffset at) =>
        at.Ticks % TimeSpan.TicksPerSecond == 0 ? at + TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(1) : at;

    public Task<ColdStart?> LastColdStartAsync(string name, CancellationToken cancellationToken) => waker.LastColdStartAsync(name, cancellationToken);

    public static bool IsDecision(EventInfo e) =>
        e.Reason is "SuccessfulRescale" or "FailedRescale" or "KEDAScaleTargetActivated" or "KEDAScaleTargetDeactivated"
            or "KEDAScaleTargetActivationFailed" or "KEDAScaleTargetDeactivationFailed" or "FailedGetPodsMetric" or "FailedGetExternalMetric"
            or "FailedComputeMetricsReplicas";

    /// <summary>"value 12.5 vs target 5", or null without a value.</summary>
    public static string? Comparison(ScalingDecision decision, AutoscalingSignal signal) => decision.Value is { } value
        ? string.Create(CultureInfo.InvariantCulture, $"{Format(value)} {signal.Unit} vs target {Format(decision.Target)}")
        : null;

    public static string Format(double value) => value.ToString(Math.Abs(value) >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture);

    private async Task<SignalReading> ReadAsync(
        DeploymentSpec main, IReadOnlyList<DeploymentSpec> specs, DateTimeOffset now, CancellationToken cancellationToken, DateTimeOffset? since = null)
    {
        var signal = AutoscalingMetrics.Signal(main.Autoscaling.Metric) ?? AutoscalingMetrics.Signals[0];
        var query = AutoscalingQueries.Compared(main);
        var target = main.Autoscaling.Target;
        if (query is null)
        {
            return new SignalReading(signal, null, [], target, main.Name, null, 0, null,
                "CPU utilisation comes from metrics-server, not Prometheus; the portal cannot chart it.");
        }

        var series = new List<SignalSeries>();
        string? problem = null;
        // From the deployment's creation when that is within the hour: an empty signal reads as 0, not before it existed.
        var start = since is { } created && created > now - Window ? created : now - Window;
        var step = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((now - start).TotalSeconds / Points)));
        foreach (var spec in specs)
        {
            var result = await prometheus.QueryRangeAsync(AutoscalingQueries.Compared(spec)!, start, now, step, cancellationToken);
            if (!result.IsSuccess)
            {
                problem = result.Error.Kind == PrometheusErrorKind.NotConfigured
                    ? "Prometheus is not configured (Prometheus:Url), so the signal cannot be shown."
                    : $"Prometheus could not be read: {result.Error.Message}";
                break;
            }

            var points = result.Value.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Value)).OrderBy(p => p.UnixMilliseconds).ToList();
            series.Add(new SignalSeries(spec.Name, points));
        }

        var latest = series.FirstOrDefault()?.Points.LastOrDefault();
        double? value = latest is { UnixMilliseconds: > 0 } p ? p.Value : null;
        if (problem is null && series.All(s => s.Points.Count == 0))
        {
            problem = "No data for this signal in the last hour yet (is the engine scraped?).";
        }

        return new SignalReading(signal, query, series, target, main.Name, value, 0, null, problem);
    }

    private static int? Formula(AutoscalingSpec autoscaling, double? value, int current) =>
        value is { } v && autoscaling.Mode != AutoscalingMode.Off && autoscaling.Target > 0 ? AutoscalingQueries.FormulaReplicas(autoscaling, v, current, autoscaling.Target) : null;

    private static int? NewSize(EventInfo e)
    {
        const string marker = "New size: ";
        var at = e.Message.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            var end = e.Message.IndexOf(';', at);
            return int.TryParse(e.Message.AsSpan(at + marker.Length, (end < 0 ? e.Message.Length : end) - at - marker.Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        }

        var to = e.Message.LastIndexOf(" to ", StringComparison.Ordinal);
        if (to >= 0)
        {
            var digits = new string(e.Message[(to + 4)..].TakeWhile(char.IsAsciiDigit).ToArray());
            return int.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        }

        return null;
    }
}
