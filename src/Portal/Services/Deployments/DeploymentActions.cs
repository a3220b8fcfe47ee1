using Portal.Application.Deployments;
using Portal.Application.Ports;

namespace Portal.Services.Deployments;

/// <summary>How a scale, stop, start or delete request from a page ended, in words for a snackbar.</summary>
public sealed record ActionOutcome(bool Succeeded, string Message);

/// <summary>
/// The pages' row and header actions: the same <see cref="DeploymentCommands"/> as the REST API (which checks
/// the caller's role), with the outcome said in words.
/// </summary>
public sealed class DeploymentActions(DeploymentCommands commands, ICurrentUser user)
{
    public bool CanOperate => user.CanOperate;

    public async Task<ActionOutcome> ScaleAsync(string name, int replicas, CancellationToken cancellationToken) =>
        Describe(name, await commands.ScaleAsync(new ScaleDeployment(name, replicas), cancellationToken),
            $"Scaling {name} to {replicas} replica{(replicas == 1 ? "" : "s")}.", $"{name} already has {replicas} replica{(replicas == 1 ? "" : "s")}.");

    public async Task<ActionOutcome> StopAsync(string name, CancellationToken cancellationToken) =>
        Describe(name, await commands.StopAsync(new StopDeployment(name), cancellationToken),
            $"Stopping {name}; its model cache is kept for a fast start.", $"{name} is already stopped.");

    public async Task<ActionOutcome> StartAsync(string name, CancellationToken cancellationToken) =>
        Describe(name, await commands.StartAsync(new StartDeployment(name), cancellationToken),
            $"Starting {name}.", $"{name} is already running.");

    public async Task<ActionOutcome> DeleteAsync(string name, bool deleteModelCache, CancellationToken cancellationToken) =>
        Describe(name, await commands.DeleteAsync(new DeleteDeployment(name, deleteModelCache), cancellationToken),
            deleteModelCache ? $"Deleting {name} and its model cache." : $"Deleting {name}; its model cache volumes are kept.",
            $"{name} is already being deleted.");

    private static ActionOutcome Describe(string name, CommandResult result, string accepted, string nothingToDo) => result switch
    {
        CommandResult.Accepted { Operation: null } => new ActionOutcome(true, nothingToDo),
        CommandResult.Accepted => new ActionOutcome(true, accepted),
        CommandResult.Invalid invalid => new ActionOutcome(false, string.Join(" ", invalid.Errors.SelectMany(e => e.Value))),
        CommandResult.NotFound => new ActionOutcome(false, $"There is no deployment named '{name}' any more."),
        CommandResult.Conflict conflict => new ActionOutcome(false, conflict.Message),
        CommandResult.PreconditionFailed => new ActionOutcome(false, $"{name} changed meanwhile; look at it again and retry."),
        CommandResult.Forbidden forbidden => new ActionOutcome(false, forbidden.Message),
        CommandResult.ClusterFailed failed => new ActionOutcome(false, failed.Message),
        var other => new ActionOutcome(false, $"Unexpected result {other.GetType().Name}."),
    };
}
