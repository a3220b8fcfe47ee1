using Microsoft.EntityFrameworkCore;
using Portal.Application.Ports;
using Portal.Domain.Benchmarks;

namespace Portal.Infrastructure.Persistence;

/// <summary>Benchmark runs, steps and samples in the portal database; every call is its own short unit of work.</summary>
public sealed class BenchmarkStore(IDbContextFactory<PortalDb> dbFactory) : IBenchmarkStore
{
    public async Task AddAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Set<BenchmarkRun>().Add(run);
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<BenchmarkRun?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Set<BenchmarkRun>().AsNoTracking().Include(r => r.Steps).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        Order(run);
        return run;
    }

    public async Task<IReadOnlyList<BenchmarkRun>> ListAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var runs = await db.Set<BenchmarkRun>().AsNoTracking().Include(r => r.Steps).AsSplitQuery().ToListAsync(cancellationToken);
        runs.ForEach(Order);
        return runs.OrderByDescending(r => r.CreatedAt).Take(take).ToList();
    }

    public async Task<IReadOnlyList<BenchmarkRun>> FindManyAsync(IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var wanted = ids.ToArray();
        var runs = await db.Set<BenchmarkRun>().AsNoTracking().Include(r => r.Steps).AsSplitQuery()
            .Where(r => wanted.Contains(r.Id)).ToListAsync(cancellationToken);
        runs.ForEach(Order);
        return ids.Select(id => runs.FirstOrDefault(r => r.Id == id)).OfType<BenchmarkRun>().ToList();
    }

    public async Task SaveStateAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Set<BenchmarkRun>().Where(r => r.Id == run.Id).ExecuteUpdateAsync(set => set
            .SetProperty(r => r.State, run.State)
            .SetProperty(r => r.Reason, run.Reason)
            .SetProperty(r => r.StartedAt, run.StartedAt)
            .SetProperty(r => r.FinishedAt, run.FinishedAt)
            .SetProperty(r => r.BestLevelMeetingSlo, run.BestLevelMeetingSlo), cancellationToken);
    }

    public async Task SetJobIdAsync(Guid id, string jobId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Set<BenchmarkRun>().Where(r => r.Id == id).ExecuteUpdateAsync(set => set.SetProperty(r => r.JobId, jobId), cancellationToken);
    }

    public async Task AddStepAsync(BenchmarkStep step, IReadOnlyList<RequestSample> samples, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Set<BenchmarkStep>().Add(step);
        await db.SaveChangesAsync(cancellationToken);
        db.Set<BenchmarkStepSamples>().Add(new BenchmarkStepSamples { StepId = step.Id, Samples = samples });
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<long, IReadOnlyList<RequestSample>>> SamplesAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stepIds = await db.Set<BenchmarkStep>().Where(s => s.RunId == runId).Select(s => s.Id).ToListAsync(cancellationToken);
        var rows = await db.Set<BenchmarkStepSamples>().AsNoTracking().Where(s => stepIds.Contains(s.StepId)).ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.StepId, r => r.Samples);
    }

    public async Task<bool> RequestCancelAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var changed = await db.Set<BenchmarkRun>()
            .Where(r => r.Id == id && (r.State == BenchmarkState.Queued || r.State == BenchmarkState.Running))
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.CancelRequested, true), cancellationToken);
        return changed > 0;
    }

    public async Task<bool> IsCancelRequestedAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Set<BenchmarkRun>().Where(r => r.Id == id).Select(r => r.CancelRequested).FirstOrDefaultAsync(cancellationToken);
    }

    private static void Order(BenchmarkRun? run) => run?.Steps.Sort((a, b) => a.Index.CompareTo(b.Index));
}
