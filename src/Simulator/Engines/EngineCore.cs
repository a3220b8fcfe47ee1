namespace Portal.Simulator.Engines;

/// <summary>
/// The simulated model under continuous batching: at most <see cref="EngineCapacity.MaxBatch"/> requests run at once and
/// their prompt plus reply must fit the KV cache; the rest wait in a first-come queue. Timing follows the engine's
/// <see cref="PerformanceProfile"/>: each decode step gives every running request one token and takes longer the more run.
/// </summary>
internal sealed class EngineCore
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _queue = new();
    private readonly EngineSettings _settings;
    private readonly PerformanceProfile _profile;
    private readonly int? _maxBatchFlag;
    private readonly long? _kvTokensFlag;
    private readonly long _computedKvTokens;
    private readonly PrefixCache? _prefixCache;
    private readonly IEngineMetrics _metrics;
    private readonly TimeProvider _time;
    private int _running;
    private long _kvUsed;
    private long _tokens;
    private long _promptTokens;
    private long _cachedTokens;
    private long _lastRateTimestamp;
    private long _lastRateTokens;
    private double _tokensPerSecond;
    private long _lastOutput;

    public EngineCore(EngineSettings settings, PerformanceProfile profile, int? maxBatchFlag, long? kvTokensFlag, long computedKvTokens,
        bool prefixCaching, IEngineMetrics metrics, TimeProvider time)
    {
        _settings = settings;
        _profile = profile;
        _maxBatchFlag = maxBatchFlag;
        _kvTokensFlag = kvTokensFlag;
        _computedKvTokens = computedKvTokens;
        _prefixCache = prefixCaching ? new PrefixCache() : null;
        _metrics = metrics;
        _time = time;
        _lastRateTimestamp = time.GetTimestamp();
    }

    public PerformanceProfile Profile => _profile;

    public EngineSettings Settings => _settings;

    public EngineCapacity Capacity => new(
        _maxBatchFlag ?? _settings.MaxBatch,
        _kvTokensFlag ?? (_settings.KvCacheTokens > 0 ? _settings.KvCacheTokens : _computedKvTokens));

    public int MaxBatch => Capacity.MaxBatch;

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

    /// <summary>When the scheduler last produced output (a token or a finished embedding), as a <see cref="TimeProvider"/> timestamp.</summary>
    public long LastOutputTimestamp => Interlocked.Read(ref _lastOutput);

    /// <summary>Busy fraction of the GPU: 0 when idle, rising with the batch.</summary>
    public double Utilization
    {
        get
        {
            var running = Running;
            return running == 0 ? 0 : Math.Min(1.0, 0.35 + 0.65 * running / Math.Max(1, MaxBatch));
        }
    }

    /// <summary>Cached prompt tokens over all prompt tokens so far: SGLang's <c>cache_hit_rate</c>.</summary>
    public double CacheHitRate
    {
        get
        {
            lock (_lock)
            {
                return _promptTokens == 0 ? 0 : _cachedTokens / (double)_promptTokens;
            }
        }
    }

    public EngineLoad Load()
    {
        var capacity = Capacity;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_lastRateTimestamp, now);
            if (elapsed >= TimeSpan.FromSeconds(1))
            {
                _tokensPerSecond = (_tokens - _lastRateTokens) / elapsed.TotalSeconds;
                _lastRateTokens = _tokens;
                _lastRateTimestamp = now;
            }

            return new EngineLoad(_running, _queue.Count, capacity.MaxBatch, _tokensPerSecond, _kvUsed, capacity.KvCacheTokens,
                _promptTokens == 0 ? 0 : _cachedTokens / (double)_promptTokens);
        }
    }

    /// <summary>Runs one request: waits for a batch slot and KV room, then produces the reply's tokens through <paramref name="onToken"/>.</summary>
    public async Task<RequestSummary> GenerateAsync(string prompt, int? maxTokens, Func<string, int, Task> onToken, CancellationToken ct, bool recordMetrics = true, bool ignoreEos = false)
    {
        var metrics = recordMetrics ? _metrics : NoMetrics.Instance;
        var start = _time.GetTimestamp();
        var promptTokens = ReplyWriter.CountTokens(prompt);
        bool truncated;
        var tokens = _settings.FixedReply is { } fixedReply
            ? ReplyWriter.Split(fixedReply, maxTokens, out truncated)
            : ReplyWriter.Tokens(prompt, maxTokens, out truncated, ignoreEos);
        var reserved = promptTokens + tokens.Count;
        metrics.RequestQueued();
        await AcquireAsync(reserved, ct);
        try
        {
            var queueTime = _time.GetElapsedTime(start);
            metrics.RequestStarted(queueTime);
            var cached = CachedTokens(prompt, promptTokens);
            await DelayAsync(_settings.TimeToFirstToken + _profile.Prefill(_settings, promptTokens - cached) + _profile.DecodeStep(_settings, Running), ct);
            var ttft = _time.GetElapsedTime(start);
            metrics.FirstToken(ttft);
            var last = _time.GetTimestamp();
            for (var i = 0; i < tokens.Count; i++)
            {
                if (i > 0)
                {
                    await DelayAsync(_profile.DecodeStep(_settings, Running), ct);
                    var now = _time.GetTimestamp();
                    metrics.Token(_time.GetElapsedTime(last, now));
                    last = now;
                }

                Interlocked.Increment(ref _tokens);
                Interlocked.Exchange(ref _lastOutput, _time.GetTimestamp());
                await onToken(tokens[i], i);
            }

            var summary = new RequestSummary(promptTokens, tokens.Count, truncated ? "length" : "stop", maxTokens, queueTime, ttft, _time.GetElapsedTime(start), cached);
            metrics.RequestFinished(summary);
            return summary;
        }
        finally
        {
            Release(reserved);
        }
    }

    /// <summary>Runs one pooling (embedding) request: prefill only, no decode; returns its prompt token count.</summary>
    public async Task<int> EmbedAsync(string input, CancellationToken ct)
    {
        var start = _time.GetTimestamp();
        var promptTokens = ReplyWriter.CountTokens(input);
        _metrics.RequestQueued();
        await AcquireAsync(promptTokens, ct);
        try
        {
            var queueTime = _time.GetElapsedTime(start);
            _metrics.RequestStarted(queueTime);
            var cached = CachedTokens(input, promptTokens);
            await DelayAsync(_settings.TimeToFirstToken + _profile.Prefill(_settings, promptTokens - cached), ct);
            Interlocked.Exchange(ref _lastOutput, _time.GetTimestamp());
            var elapsed = _time.GetElapsedTime(start);
            _metrics.RequestFinished(new RequestSummary(promptTokens, 0, "stop", null, queueTime, elapsed, elapsed, cached));
            return promptTokens;
        }
        finally
        {
            Release(promptTokens);
        }
    }

    /// <summary>Prompt tokens whose KV the prefix cache already holds; the last prompt token is always computed.</summary>
    private int CachedTokens(string prompt, int promptTokens)
    {
        var cached = 0;
        if (_prefixCache is not null)
        {
            var words = prompt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            cached = Math.Min(promptTokens - 1, (int)Math.Floor(_prefixCache.MatchAndInsert(words) * ReplyWriter.TokensPerWord));
        }

        lock (_lock)
        {
            _promptTokens += promptTokens;
            _cachedTokens += cached;
        }

        return Math.Max(0, cached);
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        while (_settings.Faults.SchedulersStalled)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time, ct);
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, ct);
        }
    }

    private async Task AcquireAsync(long reserved, CancellationToken ct)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_queue.Count == 0 && Fits(reserved, Capacity))
            {
                Admit(reserved);
                return;
            }

            waiter = new Waiter(reserved, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            waiter.Node = _queue.AddLast(waiter);
        }

        using var registration = ct.Register(() =>
        {
            // A cancelled waiter leaves the queue; one that already got its slot gives it back in Release.
            lock (_lock)
            {
                if (waiter.Completion.TrySetCanceled(ct))
                {
                    _queue.Remove(waiter.Node!);
                    AdmitWaiting();
                }
            }
        });
        await waiter.Completion.Task;
    }

    private bool Fits(long reserved, EngineCapacity capacity) =>
        _running < capacity.MaxBatch && (_running == 0 || _kvUsed + reserved <= capacity.KvCacheTokens);

    private void Admit(long reserved)
    {
        _running++;
        _kvUsed += reserved;
    }

    private void Release(long reserved)
    {
        lock (_lock)
        {
            _running--;
            _kvUsed -= reserved;
            AdmitWaiting();
        }
    }

    private void AdmitWaiting()
    {
        var capacity = Capacity;
        while (_queue.First is { } head && Fits(head.Value.Reserved, capacity))
        {
            _queue.RemoveFirst();
            if (head.Value.Completion.TrySetResult())
            {
                Admit(head.Value.Reserved);
            }
        }
    }

    private sealed class Waiter(long reserved, TaskCompletionSource completion)
    {
        public long Reserved { get; } = reserved;

        public TaskCompletionSource Completion { get; } = completion;

        public LinkedListNode<Waiter>? Node { get; set; }
    }
}
