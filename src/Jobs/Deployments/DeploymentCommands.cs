using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Deployments;
using Portal.Jobs.Cluster;

namespace Portal.Jobs.Deployments;

/// <summary>
/// Every change to a deployment, for the REST API and the pages alike: validate, store the new
/// revision with an audit-log Operation, enqueue the job, return at once.
/// </summary>
public sealed class DeploymentCommands(
    IDbContextFactory<PortalDb> dbFactory,
    JobScheduler scheduler,
    ClusterLimitsProvider limits,
    DeploymentChanges changes,
    IOptions<KubernetesOptions> kubernetes,
    TimeProvider time)
{
    public static string ETagOf(Deployment deployment) => $"\"{deployment.ConcurrencyStamp:N}\"";

    public async Task<CommandResult> CreateAsync(DeploymentSpec spec, string user, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(spec, cancellationToken) is { } invalid)
        {
            return invalid;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.Deployments.AnyAsync(d => d.Name == spec.Name, cancellationToken))
        {
            return CommandResult.Invalid.Field("name", $"A deployment named '{spec.Name}' already exists; choose another name.");
        }

        var now = time.GetUtcNow();
        var deployment = new Deployment { CreatedAt = now, UpdatedAt = now, Revision = 1 };
        deployment.SetSpec(spec);
        db.Deployments.Add(deployment);
        var operation = NewOperation(deployment, OperationKind.Deploy, user, now);
        db.Operations.Add(operation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two creates with one name raced; the unique index let one through.
            if (await NameTakenAsync(spec.Name, cancellationToken))
            {
                return CommandResult.Invalid.Field("name", $"A deployment named '{spec.Name}' already exists; choose another name.");
            }

            throw;
        }

        return await EnqueueAsync(db, deployment, operation, cancellationToken);
    }

    public async Task<CommandResult> UpdateAsync(string name, DeploymentSpec spec, string? ifMatch, string user, CancellationToken cancellationToken)
    {
        if (spec.Name != name)
        {
            return CommandResult.Invalid.Field("name", $"The body names '{spec.Name}' but the URL names '{name}'; a deployment cannot be renamed.");
        }

        if (await ValidateAsync(spec, cancellationToken) is { } invalid)
        {
            return invalid;
        }

        return await ChangeAsync(name, ifMatch, cancellationToken, (deployment, now) =>
        {
            if (spec.Namespace != deployment.Namespace)
            {
                return CommandResult.Invalid.Field("namespace", $"A deployment cannot move from namespace '{deployment.Namespace}'; create a new one instead.");
            }

            deployment.SetSpec(spec);
            return NewOperation(deployment, OperationKind.Deploy, user, now);
        });
    }

    public async Task<CommandResult> ScaleAsync(string name, int replicas, string? ifMatch, string user, CancellationToken cancellationToken)
    {
        var cluster = await limits.GetAsync(cancellationToken);
        return await ChangeAsync(name, ifMatch, cancellationToken, (deployment, now) =>
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
            return NewOperation(deployment, OperationKind.Scale, user, now, new OperationParameters(Replicas: replicas));
        });
    }

    public Task<CommandResult> StopAsync(string name, string user, CancellationToken cancellationToken) =>
        ChangeAsync(name, ifMatch: null, cancellationToken, (deployment, now) =>
        {
            if (deployment.DesiredState == DesiredState.Deleted)
            {
                return new CommandResult.Conflict("The deployment is being deleted.");
            }

            if (deployment.DesiredState == DesiredState.Stopped)
            {
                return null; // already stopped: nothing to do
            }

            deployment.DesiredState = DesiredState.Stopped;
            return NewOperation(deployment, OperationKind.Stop, user, now);
        });

    public Task<CommandResult> StartAsync(string name, string user, CancellationToken cancellationToken) =>
        ChangeAsync(name, ifMatch: null, cancellationToken, (deployment, now) =>
        {
            if (deployment.DesiredState == DesiredState.Deleted)
            {
                return new CommandResult.Conflict("The deployment is being deleted.");
            }

            if (deployment.DesiredState == DesiredState.Running)
            {
                return null;
            }

            deployment.DesiredState = DesiredState.Running;
            return NewOperation(deployment, OperationKind.Start, user, now);
        });

    public Task<CommandResult> DeleteAsync(string name, bool deleteModelCache, string user, CancellationToken cancellationToken) =>
        ChangeAsync(name, ifMatch: null, cancellationToken, (deployment, now) =>
        {
            if (deployment.DesiredState == DesiredState.Deleted)
            {
                return null;
            }

            deployment.DesiredState = DesiredState.Deleted;
            deployment.ObservedState = ObservedState.Deleting;
            return NewOperation(deployment, OperationKind.Delete, user, now, new OperationParameters(DeleteModelCache: deleteModelCache));
        });

    /// <summary>
    /// Loads the deployment, checks the ETag, lets <paramref name="change"/> modify it and return the
    /// Operation to run (or a refusal, or null for "nothing to do"), then stores a new revision and enqueues.
    /// </summary>
    private async Task<CommandResult> ChangeAsync(
        string name,
        string? ifMatch,
        CancellationToken cancellationToken,
        Func<Deployment, DateTimeOffset, object?> change)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var deployment = await db.Deployments.FirstOrDefaultAsync(d => d.Name == name, cancellationToken);
        if (deployment is null)
        {
            return new CommandResult.NotFound(name);
        }

        if (!string.IsNullOrEmpty(ifMatch) && ifMatch != "*" && ifMatch != ETagOf(deployment))
        {
            return new CommandResult.PreconditionFailed(ETagOf(deployment));
        }

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
                db.Operations.Add(operation);
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateConcurrencyException)
                {
                    await using var fresh = await dbFactory.CreateDbContextAsync(cancellationToken);
                    var current = await fresh.Deployments.AsNoTracking().FirstOrDefaultAsync(d => d.Name == name, cancellationToken);
                    return current is null ? new CommandResult.NotFound(name) : new CommandResult.PreconditionFailed(ETagOf(current));
                }

                return await EnqueueAsync(db, deployment, operation, cancellationToken);
            default:
                throw new InvalidOperationException("a change returns an Operation, a CommandResult or null");
        }
    }

    private async Task<CommandResult> EnqueueAsync(PortalDb db, Deployment deployment, Operation operation, CancellationToken cancellationToken)
    {
        operation.JobId = scheduler.Enqueue(operation);
        await db.SaveChangesAsync(cancellationToken);
        changes.Publish(deployment.Id, deployment.Name);
        return new CommandResult.Accepted(deployment, operation);
    }

    private async Task<CommandResult.Invalid?> ValidateAsync(DeploymentSpec spec, CancellationToken cancellationToken)
    {
        var result = DeploymentSpecValidator.Validate(spec, await limits.GetAsync(cancellationToken));
        var errors = result.Errors.ToDictionary(e => e.Key, e => e.Value);
        var managed = kubernetes.Value.ManagedNamespaces;
        if (!errors.ContainsKey("namespace") && !managed.Contains(spec.Namespace))
        {
            errors["namespace"] = [$"The portal manages the namespaces {string.Join(", ", managed)}; '{spec.Namespace}' is not one of them (an Admin can add it to Kubernetes:Namespaces)."];
        }

        return errors.Count == 0 ? null : new CommandResult.Invalid(errors);
    }

    private async Task<bool> NameTakenAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Deployments.AnyAsync(d => d.Name == name, cancellationToken);
    }

    private static Operation NewOperation(Deployment deployment, OperationKind kind, string user, DateTimeOffset now, OperationParameters? parameters = null) => new()
    {
        DeploymentId = deployment.Id,
        DeploymentName = deployment.Name,
        Kind = kind,
        Revision = deployment.Revision,
        RequestedBy = user,
        RequestedAt = now,
        Parameters = parameters?.ToJson(),
    };
}
