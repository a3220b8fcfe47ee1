using Portal.Application.Deployments;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Services.Wizard;

namespace Portal.Services.Deployments;

/// <summary>The autoscaling fields of a deployment as the panel edits them.</summary>
public sealed class AutoscalingForm
{
    public AutoscalingMode Mode { get; set; }

    public string Metric { get; set; } = AutoscalingMetrics.RequestsWaiting;

    public double Target { get; set; } = 5;

    public int MinReplicas { get; set; } = 1;

    public int MaxReplicas { get; set; } = 4;

    public int CooldownSeconds { get; set; } = 300;

    public int PollingSeconds { get; set; } = 15;

    public static AutoscalingForm From(AutoscalingSpec spec) => new()
    {
        Mode = spec.Mode,
        Metric = spec.Metric,
        Target = spec.Target,
        MinReplicas = spec.MinReplicas,
        MaxReplicas = spec.MaxReplicas,
        CooldownSeconds = spec.CooldownSeconds,
        PollingSeconds = spec.PollingSeconds,
    };

    public AutoscalingSpec ToSpec() => new()
    {
        Mode = Mode,
        Metric = Metric,
        Target = Target,
        MinReplicas = MinReplicas,
        MaxReplicas = MaxReplicas,
        CooldownSeconds = CooldownSeconds,
        PollingSeconds = PollingSeconds,
    };
}

/// <summary>
/// The deployment page's autoscaling panel: checks the edited fields with the API's validation as the operator
/// types, and saves them as a new revision through <see cref="DeploymentCommands"/> (which checks the role again).
/// </summary>
public sealed class AutoscalingEditor(DeploymentCommands commands)
{
    /// <summary>The field errors the API would give for the deployment with these autoscaling settings.</summary>
    public async Task<FieldErrors> ValidateAsync(Deployment deployment, AutoscalingForm form, CancellationToken cancellationToken)
    {
        var errors = await commands.ValidateAsync(new CreateDeployment(deployment.Spec with { Autoscaling = form.ToSpec() }), cancellationToken, checkNameTaken: false);
        return new FieldErrors(errors.Where(e => e.Key.StartsWith("autoscaling", StringComparison.Ordinal)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
    }

    /// <summary>Saves the settings; on refusal, the field errors (or a sentence) to show.</summary>
    public async Task<(ActionOutcome Outcome, FieldErrors Errors)> SaveAsync(Deployment deployment, AutoscalingForm form, CancellationToken cancellationToken)
    {
        var result = await commands.UpdateAsync(new UpdateDeployment(deployment.Name, deployment.Spec with { Autoscaling = form.ToSpec() }, deployment.ETag), cancellationToken);
        return result switch
        {
            CommandResult.Accepted { Operation: null } => (new ActionOutcome(true, "Nothing changed."), FieldErrors.None),
            CommandResult.Accepted => (new ActionOutcome(true, $"Saved; {deployment.Name}'s autoscaler is being updated."), FieldErrors.None),
            CommandResult.Invalid invalid => (new ActionOutcome(false, "Fix the fields marked in red."), new FieldErrors(invalid.Errors)),
            CommandResult.PreconditionFailed => (new ActionOutcome(false, $"{deployment.Name} changed meanwhile; the panel shows it again, retry."), FieldErrors.None),
            CommandResult.Forbidden forbidden => (new ActionOutcome(false, forbidden.Message), FieldErrors.None),
            CommandResult.NotFound => (new ActionOutcome(false, $"There is no deployment named '{deployment.Name}' any more."), FieldErrors.None),
            CommandResult.Conflict conflict => (new ActionOutcome(false, conflict.Message), FieldErrors.None),
            var other => (new ActionOutcome(false, $"Unexpected result {other.GetType().Name}."), FieldErrors.None),
        };
    }
}
