using Portal.Application.Ports;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>Read-side queries over benchmark runs for pages and the API.</summary>
public sealed class BenchmarkQueries(IBenchmarkStore store)
{
    public Task<IReadOnlyList<BenchmarkRun>> ListAsync(CancellationToken cancellationToken, int take = 200) => store.ListAsync(take, cancellationToken);

    public Task<BenchmarkRun?> FindAsync(Guid id, CancellationToken cancellationToken) => store.FindAsync(id, cancellationToken);

    public Task<IReadOnlyList<BenchmarkRun>> FindManyAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken) => store.FindManyAsync(ids, cancellationToken);

    public Task<IReadOnlyDictionary<long, IReadOnlyList<RequestSample>>> SamplesAsync(Guid runId, CancellationToken cancellationToken) =>
        store.SamplesAsync(runId, cancellationToken);
}
