using System.Text.Json;
using Hangfire;
using Portal.Core.Deployments;

namespace Portal.Jobs.Deployments;

/// <summary>What an operation needs besides its kind, stored as JSON on the Operation so lost work can be re-enqueued.</summary>
public sealed record OperationParameters(int? Replicas = null, bool? DeleteModelCache = null)
{
    public string? ToJson() => Replicas is null && DeleteModelCache is null ? null : JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    public static OperationParameters FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? new() : JsonSerializer.Deserialize<OperationParameters>(json, JsonSerializerOptions.Web) ?? new();
}

/// <summary>The one mapping from an Operation to the Hangfire job that carries it out.</summary>
public sealed class JobScheduler(IBackgroundJobClient jobs)
{
    public string Enqueue(Operation operation)
    {
        var p = OperationParameters.FromJson(operation.Parameters);
        var id = operation.DeploymentId;
        var revision = operation.Revision;
        var op = operation.Id;
        return operation.Kind switch
        {
            OperationKind.Deploy or OperationKind.Start or OperationKind.Stop or OperationKind.Reconcile =>
                jobs.Enqueue<DeploymentJobs>(j => j.DeployAsync(id, revision, op, CancellationToken.None)),
            OperationKind.Scale =>
                jobs.Enqueue<DeploymentJobs>(j => j.ScaleAsync(id, revision, p.Replicas ?? 0, op, CancellationToken.None)),
            OperationKind.Delete =>
                jobs.Enqueue<DeploymentJobs>(j => j.DeleteAsync(id, p.DeleteModelCache ?? false, op, CancellationToken.None)),
            OperationKind.PullModel =>
                jobs.Enqueue<DeploymentJobs>(j => j.PullModelAsync(id, revision, op, CancellationToken.None)),
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation.Kind, "no job for this operation kind"),
        };
    }
}
