using Portal.Application.Ports;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>
/// At start-up: a run left queued or running whose job no longer exists (the portal stopped with in-memory job
/// storage) can never finish, so it ends as failed with the reason; its finished steps stay.
/// </summary>
public sealed class BenchmarkRecovery(IBenchmarkStore store, IBenchmarkJobs jobs, TimeProvider time)
{
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var ended = 0;
        foreach (var run in await store.ListAsync(int.MaxValue, cancellationToken))
        {
            if (run.IsFinished || jobs.IsAlive(run.JobId))
            {
                continue;
            }

            run.State = BenchmarkState.Failed;
            run.Reason = $"The portal stopped during the run and its job is gone (after {run.Steps.Count} of {run.Plan.StepCount} steps); start it again.";
            run.FinishedAt = time.GetUtcNow();
            await store.SaveStateAsync(run, cancellationToken);
            ended++;
        }

        return ended;
    }
}
