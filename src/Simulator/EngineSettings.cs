namespace Portal.Simulator;

/// <summary>How the simulated engines behave, changeable while they run.</summary>
public sealed class EngineSettings
{
    private long _ttftTicks;
    private long _itlTicks;
    private int _maxBatch;

    internal EngineSettings(TimeSpan timeToFirstToken, TimeSpan interTokenLatency, int maxBatch)
    {
        TimeToFirstToken = timeToFirstToken;
        InterTokenLatency = interTokenLatency;
        MaxBatch = maxBatch;
    }

    /// <summary>Time to the first token of an unloaded engine; it grows with the number of requests running.</summary>
    public TimeSpan TimeToFirstToken
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _ttftTicks));
        set => Interlocked.Exchange(ref _ttftTicks, value.Ticks);
    }

    /// <summary>Time between tokens of an unloaded engine; it grows with the number of requests running.</summary>
    public TimeSpan InterTokenLatency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _itlTicks));
        set => Interlocked.Exchange(ref _itlTicks, value.Ticks);
    }

    /// <summary>Requests one engine runs at once; more wait in its queue (unless the pod's flags set their own limit).</summary>
    public int MaxBatch
    {
        get => Volatile.Read(ref _maxBatch);
        set => Volatile.Write(ref _maxBatch, Math.Max(1, value));
    }
}
