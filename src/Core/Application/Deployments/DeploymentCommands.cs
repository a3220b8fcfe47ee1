using Microsoft.Extensions.Options;
using Portal.Application.Ports;
using Portal.Domain.Deployments;
using Portal.Domain.Manifests;

namespace Portal.Application.Deployments;

/// <summary>
/// The one way in for every change to a deployment, whichever door it came through (REST API, wizard, row
/// actions): check the caller's role, normalise and validate the spec, store the new revision with an
/// audit-log Operation, enqueue the job that carries it out, and return at once.
/// </summary>
public sealed class DeploymentCommands(
    IDeploymentStore store,
    IJobQueue jobs,
    IClusterLimits limits,
    IClusterWriter cluster,
    IClusterResilience resilience,
    ICurrentUser user,
    DeploymentChanges changes,
    IOptions<NamespaceOptions> namespaces,
    TimeProvider time)
{
    private const string NotAnOperator = "Your role may view deployments but not change them; ask an Admin for the Operator role.";

    public async Task<CommandResult> CreateAsync(CreateDeployment command, CancellationToken cancellationToken)
    {
        if (!user.CanOperate)
        {
            return new CommandResult.Forbidden(NotAnOperator);
        }

        var spec = SpecOf(command);
        if (await ValidateAsync(command, cancellationToken) is { Count: > 0 } errors)
        {
            return new CommandResult.Invalid(errors);
        }

        if (command.HuggingFaceToken is { } token)
        {
            try
            {
                await resilience.RunAsync(async ct =>
                {
                    await cluster.EnsureNamespaceAsync(spec.Namespace, ct);
                    await cluster.ApplySecretAsync(TokenSecret.Render(spec, token.Trim()), ct);
                }, _ => Task.CompletedTask, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return new CommandResult.ClusterFailed($"The token could not be stored as a Secret, so nothing was deployed: {resilience.Describe(e)}");
            }
        }

        var now = time.GetUtcNow();
        var deployment = new Deployment { CreatedAt = now, UpdatedAt = now, Revision = 1 };
        deployment.SetSpec(spec);
        var operation = NewOperation(deployment, OperationKind.Deploy, now);
        if (await store.AddAsync(deployment, operation, cancellationToken) == SaveOutcome.NameTaken)
        {
            return NameTaken(spec.Name);
        }

        return await EnqueueAsync(deployment, operation, cancellationToken);
    }

    /// <summary>
    /// Every field problem <see cref="CreateAsync"/> would report, keyed like the API's errors, without storing
    /// anything: the wizard shows them next to the fields as the operator types. It may leave out the
    /// name-taken check (<paramref name="checkNameTaken"/>) and ask <see cref="NameTakenAsync"/> only when the name changes.
    /// </summary>
    public async Task<Dictionary<string, string[]>> ValidateAsync(CreateDeployment command, CancellationToken cancellationToken, bool checkNameTaken = true)
    {
        var spec = SpecOf(command);
        var errors = await SpecErrorsAsync(spec, cancellationToken);
        if (checkNameTaken && !errors.ContainsKey("name") && await NameTakenAsync(spec.Name, cancellationToken))
        {
            errors["name"] = [NameTakenMessage(spec.Name)];
        }

        if (command.HuggingFaceToken is not null && TokenSecret.Problem(command.HuggingFaceToken) is { } problem)
        {
            errors["huggingFaceToken"] = [problem];
        }

        // A pasted token becomes the Secret NAME-hf-token; naming another Secret as well is a contradiction, not a choice to make silently.
        if (command.HuggingFaceToken is not null && command.Spec.HuggingFaceTokenSecret is { Length: > 0 } named
            && spec.Name.Length > 0 && named != TokenSecret.NameFor(spec.Name))
        {
            errors["huggingFaceTokenSecret"] = [$"Give either huggingFaceToken (stored as the Secret {TokenSecret.NameFor(spec.Name)}) or the name of an existing Secret, not both."];
        }

        return errors;
    }

    public async Task<CommandResult> UpdateAsync(UpdateDeployment command, CancellationToken cancellationToken)
    {
        if (!user.CanOperate)
        {
            return new CommandResult.Forbidden(NotAnOperator);
        }

        var spec = DeploymentSpecNormalizer.Normalize(command.Spec);
        if (spec.Name != command.Name)
        {
            return CommandResult.Invalid.Field("name", $"The body names '{spec.Name}' but the URL names '{command.Name}'; a deployment cannot be renamed.");
        }

        if (await SpecErrorsAsync(spec, cancellationToken) is { Count: > 0 } errors)
        {
            return new CommandResult.Invalid(errors);
        }

        return await ChangeAsync(command.Name, command.IfMatch, cancellationToken, (deployment, now) =>
        {
            if (spec.Namespace != deployment.Namespace)
            {
                return CommandResult.Invalid.Field("namespace", $"A deployment cannot move from namespace '{deployment.Namespace}'; create a new one instead.");
            }

            deployment.SetSpec(spec);
            return NewOperation(deployment, OperationKind.Deploy, now);
        });
    }

    public async Task<CommandResult> ScaleAsync(ScaleDeployment command, CancellationToken cancellationToken)
    {
        if (!user.CanOperate)
        {
            return new CommandResult.Forbidden(NotAnOperator);
        }

        var cluster = await limits.GetAsync(cancellationToken);
        var replicas = command.Replicas;
        return await ChangeAsync(command.Name, command.IfMatch, cancellationToken, (deployment, now) =>
        {
            if (replicas < 0 || replicas > cluster.MaxReplicas)
            {
                return CommandResult.Invalid.Field("replicas", $"Replicas must be between 0 and {cluster.MaxReplicas}.");
            }

            if (deployment.Spec.Autoscaling.Mode != AutoscalingMode.Off)
            {
                return new CommandResult.Conflict("Autoscaling manages this deployment's replicas; change its minimum and maximum instead.");
            }

            if (deployment.DesiredState != DesiredState.Running)
            {
                return new CommandResult.Conflict($"The deployment is {deployment.DesiredState.ToString().ToLowerInvariant()}; start it before scaling.");
            }

            deployment.SetSpec(deployment.Spec with { Replicas = replicas });
            return NewOperation(deployment, OperationKind.Scale, now, new OperationParameters(Replicas: replicas));
        });
    }

    public Task<CommandResult> StopAsync(StopDeployment command, CancellationToken cancellationToken) =>
        Operate(command.Name, cancellationToken, (deployment, now) => deployment.DesiredState switch
        {
            DesiredState.Deleted => new CommandResult.Conflict("The deployment is being deleted."),
            DesiredState.Stopped => null,
            _ => Desire(deployment, DesiredState.Stopped, NewOperation(deployment, OperationKind.Stop, now)),
        });

    public Task<CommandResult> StartAsync(StartDeployment command, CancellationToken cancellationToken) =>
        Operate(command.Name, cancellationToken, (deployment, now) => deployment.DesiredState switch
        {
            DesiredState.Deleted => new CommandResult.Conflict("The deployment is being deleted."),
            DesiredState.Running => null,
            _ => Desire(deployment, DesiredState.Running, NewOperation(deployment, OperationKind.Start, now)),
        });

    public Task<CommandResult> DeleteAsync(DeleteDeployment command, CancellationToken cancellationToken) =>
        Operate(command.Name, cancellationToken, (deployment, now) =>
        {
            if (deployment.DesiredState == DesiredState.Deleted)
            {
                return null;
            }

            deployment.ObservedState = ObservedState.Deleting;
            return Desire(deployment, DesiredState.Deleted,
                NewOperation(deployment, OperationKind.Delete, now, new OperationParameters(DeleteModelCache: command.DeleteModelCache)));
        });

    public Task<CommandResult> PullModelAsync(PullModel command, CancellationToken cancellationToken) =>
        Operate(command.Name, cancellationToken, (deployment, now) =>
        {
            if (deployment.DesiredState != DesiredState.Running)
            {
                return new CommandResult.Conflict("Start the deployment before pulling its model.");
            }

            if (!Domain.Engines.EngineProfiles.Get(deployment.Framework).PullsModelAfterStart)
            {
                return new CommandResult.Conflict($"{deployment.Framework} loads its model itself at start; there is nothing to pull.");
            }

            deployment.PulledReplicas = 0;
            return NewOperation(deployment, OperationKind.PullModel, now);
        });

    /// <summary>A reconcile pass now instead of at the next interval.</summary>
    public CommandResult RequestReconcile() =>
        user.CanOperate ? new CommandResult.Queued(jobs.EnqueueReconcile()) : new CommandResult.Forbidden(NotAnOperator);

    private static Operation Desire(Deployment deployment, DesiredState state, Operation operation)
    {
        deployment.DesiredState = state;
        return operation;
    }

    private Task<CommandResult> Operate(string name, CancellationToken cancellationToken, Func<Deployment, DateTimeOffset, object?> change) =>
        user.CanOperate
            ? ChangeAsync(name, ifMatch: null, cancellationToken, change)
            : Task.FromResult<CommandResult>(new CommandResult.Forbidden(NotAnOperator));

    /// <summary>
    /// Loads the deployment, checks the ETag, lets <paramref name="change"/> modify it and return the Operation
    /// to run (or a refusal, or null for "nothing to do"), then stores a new revision and enqueues.
    /// </summary>
    private async Task<CommandResult> ChangeAsync(
        string name,
        string? ifMatch,
        CancellationToken cancellationToken,
        Func<Deployment, DateTimeOffset, object?> change)
    {
        var deployment = await store.FindAsync(name, cancellationToken);
        if (deployment is null)
        {
            return new CommandResult.NotFound(name);
        }

        if (!string.IsNullOrEmpty(ifMatch) && ifMatch != "*" && ifMatch != deployment.ETag)
        {
            return new CommandResult.PreconditionFailed(deployment.ETag);
        }

        var readStamp = deployment.ConcurrencyStamp;
        var now = time.GetUtcNow();
        switch (change(deployment, now))
        {
            case CommandResult refused:
                return refused;
            case null:
                return new CommandResult.Accepted(deployment, null);
            case Operation operation:
                deployment.Revision++;
                operation.Revision = deployment.Revision;
                deployment.ConcurrencyStamp = Guid.NewGuid();
                deployment.UpdatedAt = now;
                deployment.LastError = null;
                switch (await store.SaveAsync(deployment, readStamp, operation, cancellationToken))
                {
                    case SaveOutcome.Saved:
                        return await EnqueueAsync(deployment, operation, cancellationToken);
                    case SaveOutcome.NotFound:
                        return new CommandResult.NotFound(name);
                    default:
                        var current = await store.FindAsync(name, cancellationToken);
                        return current is null ? new CommandResult.NotFound(name) : new CommandResult.PreconditionFailed(current.ETag);
                }

            default:
                throw new InvalidOperationException("a change returns an Operation, a CommandResult or null");
        }
    }

    private async Task<CommandResult> EnqueueAsync(Deployment deployment, Operation operation, CancellationToken cancellationToken)
    {
        operation.JobId = jobs.Enqueue(operation);
        await store.SetJobIdsAsync([operation], cancellationToken);
        changes.Publish(deployment.Id, deployment.Name);
        return new CommandResult.Accepted(deployment, operation);
    }

    /// <summary>The spec as stored: normalised, and naming the token Secret when a token comes with it.</summary>
    private static DeploymentSpec SpecOf(CreateDeployment command)
    {
        var spec = DeploymentSpecNormalizer.Normalize(command.Spec);
        return command.HuggingFaceToken is null || spec.Name.Length == 0
            ? spec
            : spec with { HuggingFaceTokenSecret = TokenSecret.NameFor(spec.Name) };
    }

    private async Task<Dictionary<string, string[]>> SpecErrorsAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        var result = DeploymentSpecValidator.Validate(spec, await limits.GetAsync(cancellationToken));
        var errors = result.Errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        var managed = namespaces.Value.Managed;
        if (!errors.ContainsKey("namespace") && !managed.Contains(spec.Namespace))
        {
            errors["namespace"] = [$"The portal manages the namespaces {string.Join(", ", managed)}; '{spec.Namespace}' is not one of them (an Admin can add it to Kubernetes:Namespaces)."];
        }

        return errors;
    }

    /// <summary>Whether a deployment of this name exists (always false for an empty name).</summary>
    public async Task<bool> NameTakenAsync(string name, CancellationToken cancellationToken) =>
        name.Length > 0 && await store.ExistsAsync(name, cancellationToken);

    public static string NameTakenMessage(string name) => $"A deployment named '{name}' already exists; choose another name.";

    private static CommandResult.Invalid NameTaken(string name) => CommandResult.Invalid.Field("name", NameTakenMessage(name));

    private Operation NewOperation(Deployment deployment, OperationKind kind, DateTimeOffset now, OperationParameters? parameters = null) => new()
    {
        DeploymentId = deployment.Id,
        DeploymentName = deployment.Name,
        Kind = kind,
        Revision = deployment.Revision,
        RequestedBy = user.Requester,
        RequestedAt = now,
        Parameters = parameters?.ToJson(),
    };
}
