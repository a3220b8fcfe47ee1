using Microsoft.AspNetCore.Components;
using Portal.Application.Autoscaling;
using Portal.Application.Ports;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Services.Deployments;
using Portal.Services.Wizard;

namespace Portal.Components.Deployments.Autoscaling;

/// <summary>
/// The Autoscaling tab. The signal and the decisions are re-read whenever the page hands new events (every few
/// seconds while it is open); edits are validated as they are typed and saved through <see cref="AutoscalingEditor"/>.
/// </summary>
public sealed partial class AutoscalingPanel : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private AutoscalingForm _form = new();
    private FieldErrors _errors = FieldErrors.None;
    private SignalReading? _reading;
    private IReadOnlyList<ScalingDecision> _decisions = [];
    private ColdStart? _coldStart;
    private ActionOutcome? _outcome;
    private string? _formFor;
    private IReadOnlyList<EventInfo>? _eventsRead;
    private bool _saving;
    private bool _reading_;

    [Parameter, EditorRequired]
    public Deployment Deployment { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyList<EventInfo>? Events { get; set; }

    [Parameter]
    public bool CanOperate { get; set; }

    [Inject]
    public required AutoscalingInsights Insights { get; init; }

    [Inject]
    public required AutoscalingEditor Editor { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    private DateTimeOffset Now => Time.GetUtcNow();

    private IEnumerable<AutoscalingSignal> Signals =>
        EngineProfiles.TryGet(Deployment.Framework, out var profile)
            ? AutoscalingMetrics.Signals.Where(s => AutoscalingMetrics.SupportedBy(profile).Contains(s.Id))
            : AutoscalingMetrics.Signals;

    private AutoscalingSignal? Signal => AutoscalingMetrics.Signal(_form.Mode == AutoscalingMode.Off ? Deployment.Spec.Autoscaling.Metric : _form.Metric);

    private bool Changed => _form.ToSpec() != Deployment.Spec.Autoscaling;

    protected override async Task OnParametersSetAsync()
    {
        var stamp = $"{Deployment.Name}/{Deployment.Revision}";
        if (_formFor != stamp)
        {
            _formFor = stamp;
            _form = AutoscalingForm.From(Deployment.Spec.Autoscaling);
            _errors = FieldErrors.None;
        }

        if (RendererInfo.IsInteractive && !ReferenceEquals(Events, _eventsRead) && !_reading_)
        {
            _eventsRead = Events;
            _reading_ = true;
            try
            {
                await ReadAsync(_disposed.Token);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                _reading_ = false;
            }
        }
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        _coldStart = await Insights.LastColdStartAsync(Deployment.Name, cancellationToken);
        if (Deployment.Spec.Autoscaling.Mode == AutoscalingMode.Off)
        {
            _reading = null;
            _decisions = [];
            return;
        }

        _reading = await Insights.ForDeploymentAsync(Deployment, Time.GetUtcNow(), cancellationToken);
        _decisions = Events is { } events ? await Insights.DecisionsAsync(Deployment, events, cancellationToken, _decisions) : [];
    }

    /// <summary>A decision in a few words: "Rescaled to 4", "Woke to 1", "Scaled to zero", or the event's reason.</summary>
    private static string Label(ScalingDecision d) => (d.Reason, d.NewSize) switch
    {
        ("SuccessfulRescale", { } n) => $"Rescaled to {n}",
        ("KEDAScaleTargetActivated", { } n) => $"Woke to {n}",
        ("KEDAScaleTargetDeactivated", _) => "Scaled to zero",
        var (reason, _) => reason,
    };

    private Task ModeChangedAsync(AutoscalingMode value) => ChangeAsync(() =>
    {
        _form.Mode = value;
        if (value == AutoscalingMode.Hpa && _form.MinReplicas < 1)
        {
            _form.MinReplicas = 1;
        }
    });

    private Task MetricChangedAsync(string value) => ChangeAsync(() =>
    {
        _form.Metric = value;
        _form.Target = AutoscalingMetrics.Signal(value)?.DefaultTarget ?? _form.Target;
    });

    private Task TargetChangedAsync(double value) => ChangeAsync(() => _form.Target = value);

    private Task MinChangedAsync(int value) => ChangeAsync(() => _form.MinReplicas = value);

    private Task MaxChangedAsync(int value) => ChangeAsync(() => _form.MaxReplicas = value);

    private Task CooldownChangedAsync(int value) => ChangeAsync(() => _form.CooldownSeconds = value);

    private Task PollingChangedAsync(int value) => ChangeAsync(() => _form.PollingSeconds = value);

    private async Task ChangeAsync(Action change)
    {
        change();
        _outcome = null;
        _errors = await Editor.ValidateAsync(Deployment, _form, _disposed.Token);
    }

    private async Task SaveAsync()
    {
        _saving = true;
        try
        {
            (_outcome, _errors) = await Editor.SaveAsync(Deployment, _form, _disposed.Token);
        }
        finally
        {
            _saving = false;
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
