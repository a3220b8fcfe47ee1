using System.Collections.Concurrent;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>Where a run is right now, as the run page shows it.</summary>
public sealed record RunProgress(
    Guid RunId,
    BenchmarkState State,
    int StepIndex,
    int StepCount,
    string Step,
    int StepDone,
    int StepRequests,
    long RequestsDone,
    double CurrentRate,
    TimeSpan Elapsed,
    TimeSpan? Remaining,
    bool StepsChanged);

/// <summary>
/// In-process news of runs: live progress (about four times a second while a run sends) and "a step finished / the run
/// ended", so open pages update without polling. Like <c>DeploymentChanges</c>, writers publish after saving.
/// </summary>
public sealed class BenchmarkProgress
{
    private readonly ConcurrentDictionary<Guid, RunProgress> _latest = new();

    public event Action<RunProgress>? Changed;

    public RunProgress? Latest(Guid runId) => _latest.TryGetValue(runId, out var progress) ? progress : null;

    public void Publish(RunProgress progress)
    {
        if (progress.State is BenchmarkState.Queued or BenchmarkState.Running)
        {
            _latest[progress.RunId] = progress;
        }
        else
        {
            _latest.TryRemove(progress.RunId, out _);
        }

        Changed?.Invoke(progress);
    }
}

/// <summary>The cancellation of every run this process is running, so a cancel stops it at once (others see the stored flag).</summary>
public sealed class BenchmarkCancellations
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    public CancellationTokenSource Register(Guid runId, CancellationToken jobToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(jobToken);
        _running[runId] = source;
        return source;
    }

    public void Unregister(Guid runId) => _running.TryRemove(runId, out _);

    public void Cancel(Guid runId)
    {
        if (_running.TryGetValue(runId, out var source))
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
