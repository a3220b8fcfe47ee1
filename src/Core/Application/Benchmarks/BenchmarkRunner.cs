using Microsoft.Extensions.Logging;
using Portal.Application.Ports;
using Portal.Domain.Benchmarks;
using Portal.Domain.Deployments;

namespace Portal.Application.Benchmarks;

/// <summary>
/// What a benchmark job does: marks the run running, calibrates prompt lengths against the engine, runs each step through
/// the gateway (<see cref="LoadGenerator"/>), stores every finished step with its samples and the engine's figures, and
/// ends the run succeeded, cancelled or failed with the reason. While it runs it watches the stored cancel flag and the
/// deployment: a cancel stops sending at once, a deleted deployment fails the run; finished steps are kept either way.
/// </summary>
public sealed partial class BenchmarkRunner(
    IBenchmarkStore store,
    IDeploymentStore deployments,
    IInferenceGateway gateway,
    StepMetricsReader engineFigures,
    BenchmarkProgress progress,
    BenchmarkCancellations cancellations,
    TimeProvider time,
    ILogger<BenchmarkRunner> logger)
{
    /// <summary>How often the runner looks at the cancel flag and the deployment, and publishes progress.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest one request may take before it counts as a timeout.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(5);

    public async Task RunAsync(Guid runId, CancellationToken jobToken)
    {
        var run = await store.FindAsync(runId, jobToken);
        if (run is null || run.IsFinished)
        {
            return;
        }

        using var stop = cancellations.Register(run.Id, jobToken);
        var state = new RunState(run, time.GetTimestamp());
        try
        {
            run.State = BenchmarkState.Running;
            run.StartedAt = time.GetUtcNow();
            await store.SaveStateAsync(run, jobToken);
            LogStarted(run.Id, run.DeploymentName);
            using var watcher = new CancellationTokenSource();
            var watching = WatchAsync(state, stop, watcher.Token);
            try
            {
                await RunStepsAsync(state, stop.Token);
            }
            finally
            {
                await watcher.CancelAsync();
                await watching;
            }

            run.State = BenchmarkState.Succeeded;
            run.Reason = null;
        }
        catch (OperationCanceledException) when (state.FailReason is not null)
        {
            run.State = BenchmarkState.Failed;
            run.Reason = state.FailReason;
        }
        catch (OperationCanceledException) when (jobToken.IsCancellationRequested)
        {
            run.State = BenchmarkState.Failed;
            run.Reason = $"The portal stopped during the run (after {run.Steps.Count} of {run.Plan.StepCount} steps).";
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Cancelled here (the cancel command of this process) or seen in the stored flag (another replica's).
            run.State = BenchmarkState.Cancelled;
            run.Reason = $"Cancelled after {run.Steps.Count} of {run.Plan.StepCount} steps; the finished steps are kept.";
        }
        catch (BenchmarkFailedException e)
        {
            run.State = BenchmarkState.Failed;
            run.Reason = e.Message;
        }
        catch (Exception e)
        {
            LogFailed(run.Id, e);
            run.State = BenchmarkState.Failed;
            run.Reason = $"The run failed: {e.Message}";
        }
        finally
        {
            cancellations.Unregister(run.Id);
        }

        run.FinishedAt = time.GetUtcNow();
        run.BestLevelMeetingSlo = run.Plan.Slo is { } slo ? run.Steps.Where(slo.IsMetBy).Select(s => (double?)s.Level).Max() : null;
        await store.SaveStateAsync(run, CancellationToken.None);
        LogEnded(run.Id, run.State, run.Reason);
        Publish(state, stepsChanged: true);
    }

    private async Task RunStepsAsync(RunState state, CancellationToken ct)
    {
        var run = state.Run;
        var model = run.Spec.EffectiveServedModelName;
        var sender = new RequestSender(gateway, time, run.DeploymentName, model, $"benchmark {run.Id:N}", RequestTimeout);

        // Two warm-up requests tell how the engine counts prompt tokens (and warm the path); they are not measured.
        var calibration = await CalibrateAsync(sender, run.Plan.Workload.Seed, ct);
        var prompts = new PromptFactory(run.Plan.Workload, calibration);
        var generator = new LoadGenerator(time);
        while (SweepPlanner.Next(run.Plan, run.Steps) is { } plan)
        {
            state.BeginStep(plan, run.Steps.Count);
            Publish(state, stepsChanged: false);
            var stepSeed = plan.Seed;
            var recording = await generator.RunAsync(
                plan,
                (index, stepStart, token) => sender.SendAsync(prompts.Create(stepSeed, index), stepStart, token),
                state.Completed,
                ct);
            var step = new BenchmarkStep
            {
                RunId = run.Id,
                Index = run.Steps.Count,
                Kind = plan.Kind,
                Level = plan.Level,
                StartedAt = recording.StartedAt,
                FinishedAt = recording.FinishedAt,
            };
            StepSummarizer.Fill(step, recording.Samples, recording.Duration);
            if (step.Completed == 0)
            {
                throw new BenchmarkFailedException(
                    $"Every request of step {step.Index + 1} ({plan.Describe()}) failed: {string.Join(", ", step.ErrorKinds.Select(k => $"{k.Key} ×{k.Value}"))}.");
            }

            // A step that finished is kept even when the run is stopped while Prometheus is asked about it.
            var figures = await engineFigures.ReadAsync(run, step, CancellationToken.None);
            step.GpuUtilization = figures.GpuUtilization;
            step.KvCacheUsage = figures.KvCacheUsage;
            step.QueueDepth = figures.QueueDepth;
            step.MetricsNote = figures.Note;
            await store.AddStepAsync(step, recording.Samples, CancellationToken.None);
            run.Steps.Add(step);
            state.EndStep(recording.Duration);
            LogStep(run.Id, step.Index, plan.Describe(), step.RequestsPerSecond, step.Errors);
            Publish(state, stepsChanged: true);
        }
    }

    private async Task<TokenCalibration> CalibrateAsync(RequestSender sender, int seed, CancellationToken ct)
    {
        var start = time.GetTimestamp();
        var shortOne = await sender.SendAsync(PromptFactory.WarmUp(TokenCalibration.ShortWords, seed), start, ct);
        var longOne = await sender.SendAsync(PromptFactory.WarmUp(TokenCalibration.LongWords, seed + 1), start, ct);
        if (!shortOne.Ok || !longOne.Ok || shortOne.PromptTokens is not { } s || longOne.PromptTokens is not { } l)
        {
            throw new BenchmarkFailedException(
                $"The warm-up requests through the gateway failed ({shortOne.Error ?? longOne.Error ?? "no prompt token count in usage"}), so no step was run.");
        }

        return TokenCalibration.From(s, l);
    }

    /// <summary>Every <see cref="WatchInterval"/>: progress, the stored cancel flag, and whether the deployment is still there.</summary>
    private async Task WatchAsync(RunState state, CancellationTokenSource stop, CancellationToken ct)
    {
        var run = state.Run;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(WatchInterval, time, ct);
                Publish(state, stepsChanged: false);
                if (await store.IsCancelRequestedAsync(run.Id, ct))
                {
                    await stop.CancelAsync();
                    return;
                }

                var deployment = await deployments.FindAsync(run.DeploymentName, ct);
                if (deployment is null || deployment.Id != run.DeploymentId || deployment.DesiredState == DesiredState.Deleted)
                {
                    state.FailReason = $"The deployment '{run.DeploymentName}' was deleted during the run (in step {state.StepIndex + 1} of {run.Plan.StepCount}); " +
                        $"the {run.Steps.Count} finished step{(run.Steps.Count == 1 ? " is" : "s are")} kept.";
                    await stop.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Publish(RunState state, bool stepsChanged) => progress.Publish(state.Snapshot(time, stepsChanged));

    [LoggerMessage(Level = LogLevel.Information, Message = "Benchmark {RunId}: started against {Deployment}")]
    private partial void LogStarted(Guid runId, string deployment);

    [LoggerMessage(Level = LogLevel.Information, Message = "Benchmark {RunId}: step {Index} ({Step}) {Rate:0.##} req/s, {Errors} errors")]
    private partial void LogStep(Guid runId, int index, string step, double rate, int errors);

    [LoggerMessage(Level = LogLevel.Information, Message = "Benchmark {RunId}: {State} {Reason}")]
    private partial void LogEnded(Guid runId, BenchmarkState state, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Benchmark {RunId} failed")]
    private partial void LogFailed(Guid runId, Exception exception);

    /// <summary>A run that cannot go on, with the reason the run page shows.</summary>
    private sealed class BenchmarkFailedException(string message) : Exception(message);

    /// <summary>Counters of the running run, read by the progress snapshots (several threads write them).</summary>
    private sealed class RunState(BenchmarkRun run, long started)
    {
        private readonly Lock _lock = new();
        private readonly Queue<long> _recent = new();
        private long _done;
        private int _stepDone;
        private double _stepSecondsSum;

        public BenchmarkRun Run { get; } = run;

        public int StepIndex { get; private set; }

        public StepPlan? Plan { get; private set; }

        public volatile string? FailReason;

        public void BeginStep(StepPlan plan, int index)
        {
            Plan = plan;
            StepIndex = index;
            Interlocked.Exchange(ref _stepDone, 0);
        }

        public void EndStep(TimeSpan duration) => _stepSecondsSum += duration.TotalSeconds;

        public void Completed()
        {
            Interlocked.Increment(ref _done);
            Interlocked.Increment(ref _stepDone);
            lock (_lock)
            {
                _recent.Enqueue(System.Diagnostics.Stopwatch.GetTimestamp());
            }
        }

        public RunProgress Snapshot(TimeProvider time, bool stepsChanged)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            double rate;
            lock (_lock)
            {
                // Completions over the last two seconds.
                var window = System.Diagnostics.Stopwatch.Frequency * 2;
                while (_recent.Count > 0 && now - _recent.Peek() > window)
                {
                    _recent.Dequeue();
                }

                rate = _recent.Count / 2.0;
            }

            var stepDone = Volatile.Read(ref _stepDone);
            var stepRequests = Plan?.Requests ?? 0;
            TimeSpan? remaining = null;
            if (rate > 0 && Plan is not null)
            {
                var stepsLeft = Math.Max(0, Run.Plan.StepCount - StepIndex - 1);
                var perStep = Run.Steps.Count > 0 ? _stepSecondsSum / Run.Steps.Count : stepRequests / rate;
                remaining = TimeSpan.FromSeconds(Math.Max(0, stepRequests - stepDone) / rate + stepsLeft * perStep);
            }

            return new RunProgress(Run.Id, Run.State, StepIndex, Run.Plan.StepCount, Plan?.Describe() ?? "warming up", stepDone, stepRequests,
                Interlocked.Read(ref _done), rate, time.GetElapsedTime(started), Run.IsFinished ? null : remaining, stepsChanged);
        }
    }
}
