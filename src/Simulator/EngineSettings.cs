namespace Portal.Simulator;

/// <summary>How the simulated engines behave, changeable while they run.</summary>
public sealed class EngineSettings
{
    private long _ttftTicks;
    private long _itlTicks;
    private long _healthPollTicks = TimeSpan.FromSeconds(1).Ticks;
    private int _maxBatch;
    private long _kvCacheTokens;

    internal EngineSettings(TimeSpan timeToFirstToken, TimeSpan interTokenLatency, int maxBatch)
    {
        TimeToFirstToken = timeToFirstToken;
        InterTokenLatency = interTokenLatency;
        MaxBatch = maxBatch;
    }

    /// <summary>
    /// Fixed time from a request's admission to its first token, before prefill and the first decode step
    /// (tokenising, scheduling, the HTTP layer). See each engine's <c>PerformanceProfile</c>.
    /// </summary>
    public TimeSpan TimeToFirstToken
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _ttftTicks));
        set => Interlocked.Exchange(ref _ttftTicks, value.Ticks);
    }

    /// <summary>
    /// vLLM's decode step with one request running: the unit every engine profile scales. The step grows with the
    /// number of running requests as each engine's profile says.
    /// </summary>
    public TimeSpan InterTokenLatency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _itlTicks));
        set => Interlocked.Exchange(ref _itlTicks, value.Ticks);
    }

    /// <summary>
    /// Requests a vLLM or SGLang engine runs at once when its flags set no limit (<c>--max-num-seqs</c>,
    /// <c>--max-running-requests</c>); more wait in its queue. Ollama follows <c>OLLAMA_NUM_PARALLEL</c> (default 1).
    /// </summary>
    public int MaxBatch
    {
        get => Volatile.Read(ref _maxBatch);
        set => Volatile.Write(ref _maxBatch, Math.Max(1, value));
    }

    /// <summary>
    /// KV-cache capacity in tokens for engines whose flags set none; 0 computes it from GPU memory, the memory
    /// fraction and the model's size.
    /// </summary>
    public long KvCacheTokens
    {
        get => Interlocked.Read(ref _kvCacheTokens);
        set => Interlocked.Exchange(ref _kvCacheTokens, Math.Max(0, value));
    }

    /// <summary>How often SGLang's health check looks for scheduler output; the real server sleeps 1 s between looks.</summary>
    public TimeSpan SglangHealthPollInterval
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _healthPollTicks));
        set => Interlocked.Exchange(ref _healthPollTicks, Math.Max(TimeSpan.FromMilliseconds(1).Ticks, value.Ticks));
    }

    private string? _fixedReply;

    /// <summary>
    /// When set, every engine answers every prompt with exactly this text (streamed word by word) instead of its
    /// generated words: for tests of how clients show a given answer, such as hostile Markdown or HTML.
    /// </summary>
    public string? FixedReply
    {
        get => Volatile.Read(ref _fixedReply);
        set => Volatile.Write(ref _fixedReply, value);
    }

    /// <summary>Faults of the engines themselves, switched through <see cref="SimulatorFaults"/>.</summary>
    internal EngineFaults Faults { get; } = new();
}

/// <summary>What can go wrong inside an engine.</summary>
public enum OllamaPullFault
{
    None,

    /// <summary>The registry does not know the model: <c>pull model manifest: file does not exist</c>.</summary>
    UnknownModel,

    /// <summary>The registry cannot be reached: the manifest request fails to dial.</summary>
    RegistryUnreachable,

    /// <summary>The model store fills up while the first layer downloads: <c>no space left on device</c>.</summary>
    DiskFull,
}

internal sealed class EngineFaults
{
    private int _pullFault;
    private int _stalled;

    public OllamaPullFault OllamaPull
    {
        get => (OllamaPullFault)Volatile.Read(ref _pullFault);
        set => Volatile.Write(ref _pullFault, (int)value);
    }

    /// <summary>Every engine's scheduler hangs: running requests produce no tokens until it is cleared.</summary>
    public bool SchedulersStalled
    {
        get => Volatile.Read(ref _stalled) != 0;
        set => Volatile.Write(ref _stalled, value ? 1 : 0);
    }
}
