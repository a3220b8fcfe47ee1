using Portal.Application.Reconcile;

namespace Portal.Application.Ports;

/// <summary>Raised by a store when a row changed under a write (a user edited a deployment during a reconcile pass).</summary>
public sealed class ConcurrentChangeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What reconcile passes read and write, in a constant number of round trips however many deployments there are.</summary>
public interface IReconcileStore
{
    /// <summary>Reads every deployment, the open operations and the failures since <paramref name="failuresSince"/>.</summary>
    Task<IReconcileSession> OpenAsync(DateTimeOffset failuresSince, CancellationToken cancellationToken);
}

/// <summary>
/// One pass's unit of work: the rows it read stay attached, so what the planner changes on them (and the
/// operations it adds) is written by <see cref="SaveAsync"/>.
/// </summary>
public interface IReconcileSession : IAsyncDisposable
{
    ReconcileRows Rows { get; }

    /// <summary>Writes the changes made to <see cref="Rows"/>, the plan's removals and its new operations (which get their ids).</summary>
    /// <exception cref="ConcurrentChangeException">a row changed since it was read.</exception>
    Task SaveAsync(ReconcilePlan plan, CancellationToken cancellationToken);
}
