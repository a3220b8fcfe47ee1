using Portal.Domain.Deployments;

namespace Portal.Application.Reconcile;

/// <summary>A job that failed for a deployment's revision, as reconcile reads it back from the Operations log.</summary>
public sealed record JobFailure(Guid DeploymentId, long Revision, OperationKind Kind, string? Parameters, DateTimeOffset FailedAt);

/// <summary>
/// How long reconcile leaves a revision alone after its jobs failed: <see cref="First"/> after one failure, twice as
/// long after each further one, at most <see cref="Max"/>. Per item and exponential, as Kubernetes controllers requeue
/// a key whose sync failed (client-go <c>util/workqueue/default_rate_limiters.go</c>, <c>DefaultControllerRateLimiter</c>);
/// the first step is seconds rather than milliseconds because a failed job has already retried each request.
/// </summary>
public static class RetryBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan Max = TimeSpan.FromMinutes(2);

    /// <summary>Failures older than this no longer count: a revision that failed yesterday starts again at <see cref="First"/>.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(30);

    public static TimeSpan After(int failures) =>
        failures <= 0 ? TimeSpan.Zero
        : TimeSpan.FromTicks(Math.Min(Max.Ticks, First.Ticks << Math.Min(failures - 1, 20)));

    /// <summary>When reconcile may start the revision's work again; null when none of its jobs failed.</summary>
    public static DateTimeOffset? RetryAt(IReadOnlyCollection<JobFailure> failures) =>
        failures.Count == 0 ? null : failures.Max(f => f.FailedAt) + After(failures.Count);
}
