namespace Portal.Simulator;

/// <summary>Run-time fault switches for the API server and the pods; tests flip them while the cluster runs.</summary>
public sealed class SimulatorFaults
{
    private readonly Func<string, string, CancellationToken, Task> _killPod;
    private readonly Action<string, string, IReadOnlyList<string>> _crashLoop;
    private readonly Action<string, string> _stopCrashLoop;
    private double _errorRate;
    private long _addedLatencyTicks;
    private int _conflictsLeft;
    private long _errorsInjected;
    private long _conflictsInjected;

    private readonly EngineFaults _engines;

    internal SimulatorFaults(
        Func<string, string, CancellationToken, Task> killPod, Action<string, string, IReadOnlyList<string>> crashLoop, Action<string, string> stopCrashLoop,
        double errorRate, TimeSpan addedLatency, EngineSettings engines)
    {
        _killPod = killPod;
        _crashLoop = crashLoop;
        _stopCrashLoop = stopCrashLoop;
        _engines = engines.Faults;
        ErrorRate = errorRate;
        AddedLatency = addedLatency;
    }

    /// <summary>Fraction (0..1) of resource requests answered with 500 InternalError.</summary>
    public double ErrorRate
    {
        get => Volatile.Read(ref _errorRate);
        set => Volatile.Write(ref _errorRate, Math.Clamp(value, 0, 1));
    }

    /// <summary>Delay added before every resource request is answered.</summary>
    public TimeSpan AddedLatency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _addedLatencyTicks));
        set => Interlocked.Exchange(ref _addedLatencyTicks, value.Ticks);
    }

    /// <summary>500s answered because of <see cref="ErrorRate"/> since the cluster started.</summary>
    public long ErrorsInjected => Interlocked.Read(ref _errorsInjected);

    /// <summary>409s answered because of <see cref="ConflictNext"/> since the cluster started.</summary>
    public long ConflictsInjected => Interlocked.Read(ref _conflictsInjected);

    /// <summary>The next <paramref name="count"/> updates and patches fail with 409 Conflict.</summary>
    public void ConflictNext(int count) => Interlocked.Exchange(ref _conflictsLeft, count);

    /// <summary>Crashes the pod's container: it restarts, its restartCount goes up, and it is not ready until its model is loaded again.</summary>
    public Task KillPod(string ns, string name, CancellationToken cancellationToken = default) => _killPod(ns, name, cancellationToken);

    /// <summary>
    /// Makes the pod's containers crash-loop: the running one and every later start prints
    /// <paramref name="lastLogLines"/> and exits 1, so the kubelet restarts it with a growing back-off
    /// (CrashLoopBackOff) until <see cref="StopCrashLoop"/>.
    /// </summary>
    public void CrashLoop(string ns, string pod, params string[] lastLogLines) => _crashLoop(ns, pod, lastLogLines);

    /// <summary>The pod's containers start normally again from their next restart on.</summary>
    public void StopCrashLoop(string ns, string pod) => _stopCrashLoop(ns, pod);

    /// <summary>How every Ollama pod's next <c>/api/pull</c> fails, as real Ollama reports it inside its 200 NDJSON stream.</summary>
    public OllamaPullFault OllamaPull
    {
        get => _engines.OllamaPull;
        set => _engines.OllamaPull = value;
    }

    /// <summary>
    /// Hangs every engine's scheduler: running requests stop producing tokens, and SGLang's <c>/health</c> waits for
    /// output until its health-check timeout, then answers 503.
    /// </summary>
    public bool StallEngines
    {
        get => _engines.SchedulersStalled;
        set => _engines.SchedulersStalled = value;
    }

    /// <summary>Switches every API and engine fault off (crash loops stay until <see cref="StopCrashLoop"/>).</summary>
    public void Clear()
    {
        ErrorRate = 0;
        AddedLatency = TimeSpan.Zero;
        ConflictNext(0);
        OllamaPull = OllamaPullFault.None;
        StallEngines = false;
    }

    internal bool TakeConflict()
    {
        while (true)
        {
            var left = Volatile.Read(ref _conflictsLeft);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _conflictsLeft, left - 1, left) == left)
            {
                Interlocked.Increment(ref _conflictsInjected);
                return true;
            }
        }
    }

    internal bool RollError()
    {
        if (ErrorRate > 0 && Random.Shared.NextDouble() < ErrorRate)
        {
            Interlocked.Increment(ref _errorsInjected);
            return true;
        }

        return false;
    }
}
