namespace Portal.Simulator.Engines;

/// <summary>
/// The simulated model: a batch of at most MaxBatch running requests, a queue behind it, and token timing
/// that slows down as the batch fills (time to first token and inter-token latency both grow with load).
/// </summary>
internal sealed class EngineCore(EngineSettings settings, int? maxBatchOverride, IEngineMetrics metrics, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _queue = new();
    private int _running;
    private long _tokens;
    private long _lastRateTimestamp = time.GetTimestamp();
    private long _lastRateTokens;
    private double _tokensPerSecond;

    public IEngineMetrics Metrics => metrics;

    public int MaxBatch => maxBatchOverride ?? settings.MaxBatch;

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Busy fraction of the GPU: 0 when idle, rising with the batch.</summary>
    public double Utilization
    {
        get
        {
            var running = Running;
            return running == 0 ? 0 : Math.Min(1.0, 0.35 + 0.65 * running / Math.Max(1, MaxBatch));
        }
    }

    public EngineLoad Load()
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            var elapsed = time.GetElapsedTime(_lastRateTimestamp, now);
            if (elapsed >= TimeSpan.FromSeconds(1))
            {
                _tokensPerSecond = (_tokens - _lastRateTokens) / elapsed.TotalSeconds;
                _lastRateTokens = _tokens;
                _lastRateTimestamp = now;
            }

            return new EngineLoad(_running, _queue.Count, MaxBatch, _tokensPerSecond);
        }
    }

    /// <summary>Runs one request: waits for a batch slot, then produces the reply's tokens through <paramref name="onToken"/>.</summary>
    public async Task<RequestSummary> GenerateAsync(string prompt, int? maxTokens, Func<string, int, Task> onToken, CancellationToken ct)
    {
        var start = time.GetTimestamp();
        metrics.RequestQueued();
        await AcquireAsync(ct);
        try
        {
            var queueTime = time.GetElapsedTime(start);
            metrics.RequestStarted(queueTime);
            var tokens = ReplyWriter.Tokens(prompt, maxTokens, out var truncated);
            await DelayAsync(Scaled(settings.TimeToFirstToken, 1.0), ct);
            var ttft = time.GetElapsedTime(start);
            metrics.FirstToken(ttft);
            var last = time.GetTimestamp();
            for (var i = 0; i < tokens.Count; i++)
            {
                if (i > 0)
                {
                    await DelayAsync(Scaled(settings.InterTokenLatency, 0.5), ct);
                    var now = time.GetTimestamp();
                    metrics.Token(time.GetElapsedTime(last, now));
                    last = now;
                }

                Interlocked.Increment(ref _tokens);
                await onToken(tokens[i], i);
            }

            var summary = new RequestSummary(ReplyWriter.CountTokens(prompt), tokens.Count, truncated ? "length" : "stop", maxTokens, queueTime, ttft, time.GetElapsedTime(start));
            metrics.RequestFinished(summary);
            return summary;
        }
        finally
        {
            Release();
        }
    }

    private TimeSpan Scaled(TimeSpan baseline, double weight) =>
        baseline * (1 + weight * Math.Max(0, Running - 1) / Math.Max(1, MaxBatch));

    private Task DelayAsync(TimeSpan delay, CancellationToken ct) => delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, time, ct);

    private Task AcquireAsync(CancellationToken ct)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_running < MaxBatch && _queue.Count == 0)
            {
                _running++;
                return Task.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _queue.Enqueue(waiter);
        }

        ct.Register(() =>
        {
            // A cancelled waiter leaves the queue; one that already got its slot gives it back.
            if (!waiter.TrySetCanceled(ct))
            {
                return;
            }

            lock (_lock)
            {
                var rest = _queue.Where(w => w != waiter).ToList();
                _queue.Clear();
                rest.ForEach(_queue.Enqueue);
            }
        });
        return waiter.Task;
    }

    private void Release()
    {
        lock (_lock)
        {
            _running--;
            while (_running < MaxBatch && _queue.TryDequeue(out var next))
            {
                if (next.TrySetResult())
                {
                    _running++;
                }
            }
        }
    }
}
