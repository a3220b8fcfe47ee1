using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Portal.Api;
using Portal.Auth;
using Portal.Jobs.Deployments;

namespace Portal.Services.Deployments;

/// <summary>How a scale, stop, start or delete request from a page ended, in words for a snackbar.</summary>
public sealed record ActionOutcome(bool Succeeded, string Message)
{
    public static ActionOutcome Refused { get; } =
        new(false, "Your role may view deployments but not change them; ask an Admin for the Operator role.");
}

/// <summary>
/// The pages' way to change a deployment: checks the Operate policy for the signed-in user (the
/// buttons are hidden from Viewers, and this refuses anyway), then calls the same
/// <see cref="DeploymentCommands"/> as the REST API, and says what happened.
/// </summary>
public sealed class DeploymentActions(DeploymentCommands commands, IAuthorizationService authorization)
{
    public async Task<bool> CanOperateAsync(ClaimsPrincipal user) =>
        (await authorization.AuthorizeAsync(user, PortalPolicies.Operate)).Succeeded;

    public Task<ActionOutcome> ScaleAsync(ClaimsPrincipal user, string name, int replicas, CancellationToken cancellationToken) =>
        RunAsync(user, name, requester => commands.ScaleAsync(name, replicas, ifMatch: null, requester, cancellationToken),
            $"Scaling {name} to {replicas} replica{(replicas == 1 ? "" : "s")}.", $"{name} already has {replicas} replica{(replicas == 1 ? "" : "s")}.");

    public Task<ActionOutcome> StopAsync(ClaimsPrincipal user, string name, CancellationToken cancellationToken) =>
        RunAsync(user, name, requester => commands.StopAsync(name, requester, cancellationToken),
            $"Stopping {name}; its model cache is kept for a fast start.", $"{name} is already stopped.");

    public Task<ActionOutcome> StartAsync(ClaimsPrincipal user, string name, CancellationToken cancellationToken) =>
        RunAsync(user, name, requester => commands.StartAsync(name, requester, cancellationToken),
            $"Starting {name}.", $"{name} is already running.");

    public Task<ActionOutcome> DeleteAsync(ClaimsPrincipal user, string name, bool deleteModelCache, CancellationToken cancellationToken) =>
        RunAsync(user, name, requester => commands.DeleteAsync(name, deleteModelCache, requester, cancellationToken),
            deleteModelCache ? $"Deleting {name} and its model cache." : $"Deleting {name}; its model cache volumes are kept.",
            $"{name} is already being deleted.");

    private async Task<ActionOutcome> RunAsync(
        ClaimsPrincipal user, string name, Func<string, Task<CommandResult>> command, string accepted, string nothingToDo)
    {
        if (!await CanOperateAsync(user))
        {
            return ActionOutcome.Refused;
        }

        return await command(DeploymentEndpoints.RequesterOf(user)) switch
        {
            CommandResult.Accepted { Operation: null } => new ActionOutcome(true, nothingToDo),
            CommandResult.Accepted => new ActionOutcome(true, accepted),
            CommandResult.Invalid invalid => new ActionOutcome(false, string.Join(" ", invalid.Errors.SelectMany(e => e.Value))),
            CommandResult.NotFound => new ActionOutcome(false, $"There is no deployment named '{name}' any more."),
            CommandResult.Conflict conflict => new ActionOutcome(false, conflict.Message),
            CommandResult.PreconditionFailed => new ActionOutcome(false, $"{name} changed meanwhile; look at it again and retry."),
            var other => new ActionOutcome(false, $"Unexpected result {other.GetType().Name}."),
        };
    }
}
