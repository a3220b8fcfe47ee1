using Portal.Domain.Deployments;

namespace Portal.Application.Ports;

/// <summary>How a store of a changed deployment ended.</summary>
public enum SaveOutcome
{
    Saved,

    /// <summary>Another writer changed the row since it was read (its concurrency stamp moved on).</summary>
    Stale,

    /// <summary>The row is gone.</summary>
    NotFound,

    /// <summary>A new deployment's name is already taken.</summary>
    NameTaken,
}

/// <summary>The deployments and their audit log as the portal database holds them. Rows handed out are copies: change them and save.</summary>
public interface IDeploymentStore
{
    Task<Deployment?> FindAsync(string name, CancellationToken cancellationToken);

    Task<Deployment?> FindAsync(Guid id, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every deployment, by namespace then name.</summary>
    Task<IReadOnlyList<Deployment>> ListAsync(CancellationToken cancellationToken);

    /// <summary>The audit log of one deployment, newest first (it outlives the deployment row).</summary>
    Task<IReadOnlyList<Operation>> OperationsAsync(string deploymentName, int take, CancellationToken cancellationToken);

    /// <summary>Stores a new deployment with the operation that deploys it (the operation's id is set).</summary>
    Task<SaveOutcome> AddAsync(Deployment deployment, Operation operation, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a changed deployment with the operation that carries the change out, unless the row changed since it
    /// was read with <paramref name="readStamp"/> (optimistic concurrency).
    /// </summary>
    Task<SaveOutcome> SaveAsync(Deployment deployment, Guid readStamp, Operation operation, CancellationToken cancellationToken);

    /// <summary>Adds an operation that changes no revision (a wake from zero); its id is set.</summary>
    Task AddOperationAsync(Operation operation, CancellationToken cancellationToken);

    /// <summary>Records the job that carries an operation out.</summary>
    Task SetJobIdsAsync(IReadOnlyCollection<Operation> operations, CancellationToken cancellationToken);

    /// <summary>Deletes finished operations requested before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> PruneOperationsAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
