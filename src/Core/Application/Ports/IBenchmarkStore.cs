using Portal.Domain.Benchmarks;

namespace Portal.Application.Ports;

/// <summary>Benchmark runs, their steps and per-request samples in the portal database.</summary>
public interface IBenchmarkStore
{
    Task AddAsync(BenchmarkRun run, CancellationToken cancellationToken);

    /// <summary>One run with its steps (in order), or null.</summary>
    Task<BenchmarkRun?> FindAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The newest runs first, with their steps.</summary>
    Task<IReadOnlyList<BenchmarkRun>> ListAsync(int take, CancellationToken cancellationToken);

    /// <summary>The runs named (with steps) that exist, in the order asked.</summary>
    Task<IReadOnlyList<BenchmarkRun>> FindManyAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken);

    /// <summary>Writes the run's state, reason, times and SLO answer; never touches the cancel flag another writer may set.</summary>
    Task SaveStateAsync(BenchmarkRun run, CancellationToken cancellationToken);

    Task SetJobIdAsync(Guid id, string jobId, CancellationToken cancellationToken);

    /// <summary>Stores a finished step with its samples (the step's id is set).</summary>
    Task AddStepAsync(BenchmarkStep step, IReadOnlyList<RequestSample> samples, CancellationToken cancellationToken);

    /// <summary>The samples of every step of a run, by step id.</summary>
    Task<IReadOnlyDictionary<long, IReadOnlyList<RequestSample>>> SamplesAsync(Guid runId, CancellationToken cancellationToken);

    /// <summary>Sets the cancel flag of an unfinished run; false when the run is finished or unknown.</summary>
    Task<bool> RequestCancelAsync(Guid id, CancellationToken cancellationToken);

    Task<bool> IsCancelRequestedAsync(Guid id, CancellationToken cancellationToken);
}
