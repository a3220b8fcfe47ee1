using Portal.Domain.Deployments;

namespace Portal.Application.Deployments;

/// <summary>The outcome of a deployment command, mapped by the REST API to a status code and by pages to a message.</summary>
public abstract record CommandResult
{
    /// <summary>Stored and handed to a job (202): the deployment as stored and the operation that carries it out (null: nothing to do).</summary>
    public sealed record Accepted(Deployment Deployment, Operation? Operation) : CommandResult;

    /// <summary>Work handed to a job that is not about one deployment (a reconcile pass), by its job id.</summary>
    public sealed record Queued(string JobId) : CommandResult;

    /// <summary>Field-level problems (400), keyed by the JSON path of the field.</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : CommandResult
    {
        public static Invalid Field(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
    }

    public sealed record NotFound(string Name) : CommandResult;

    /// <summary>The request clashes with the deployment's current state (409), for example scaling an autoscaled deployment.</summary>
    public sealed record Conflict(string Message) : CommandResult;

    /// <summary>The If-Match ETag is stale (412): someone changed the deployment since it was read.</summary>
    public sealed record PreconditionFailed(string CurrentETag) : CommandResult;

    /// <summary>The caller's role may not make this change (403).</summary>
    public sealed record Forbidden(string Message) : CommandResult;

    /// <summary>Accepted, but the cluster refused a step that had to happen first (502), for example storing the token Secret.</summary>
    public sealed record ClusterFailed(string Message) : CommandResult;
}
