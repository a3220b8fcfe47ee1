using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portal.Simulator.Engines;

/// <summary>What every engine needs from the cluster around it.</summary>
internal sealed record EngineContext(
    IPAddress Address,
    EngineSettings Settings,
    TimeSpan ModelLoadTime,
    TimeSpan OllamaPullDuration,
    long GpuMemoryMiB,
    TimeProvider Time,
    ILoggerFactory LoggerFactory);

/// <summary>
/// One engine process in a pod: it loads its model for the configured time, listens on the pod's address,
/// and reports the GPU load and memory its GPUs show.
/// </summary>
internal abstract class SimulatedEngine : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private EngineServer? _server;
    private Task _lifecycle = Task.CompletedTask;

    protected SimulatedEngine(EngineContext context, EngineLaunch launch)
    {
        Context = context;
        Launch = launch;
    }

    public EngineLaunch Launch { get; }

    public ContainerLog Log { get; } = new();

    /// <summary>Whether the weights are loaded and the engine serves requests.</summary>
    public bool Loaded { get; private set; }

    /// <summary>Whether Prometheus can scrape <c>/metrics</c> on this engine.</summary>
    public virtual bool ServesMetrics => false;

    /// <summary>Busy fraction (0..1) of each of the engine's GPUs.</summary>
    public abstract double Utilization { get; }

    /// <summary>Fraction (0..1) of each GPU's memory the engine holds.</summary>
    public abstract double MemoryFraction { get; }

    protected EngineContext Context { get; }

    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>vLLM binds its port only once the model is loaded; the others listen from the start.</summary>
    protected virtual bool ListensBeforeLoaded => true;

    /// <summary>Time from start until the engine is ready: its model load time for vLLM and SGLang.</summary>
    protected virtual TimeSpan StartupTime => Context.ModelLoadTime;

    public void Start()
    {
        _lifecycle = RunAsync(_stopping.Token);
    }

    public ValueTask DisposeAsync() => StopAsync(killed: false);

    /// <summary>Stops the engine; a killed or crashed one cuts its connections at once instead of letting requests drain.</summary>
    public async ValueTask StopAsync(bool killed)
    {
        await _stopping.CancelAsync();
        try
        {
            await _lifecycle;
        }
        catch (OperationCanceledException)
        {
        }

        if (_server is not null)
        {
            await _server.StopAsync(killed ? TimeSpan.Zero : TimeSpan.FromMilliseconds(200));
        }

        Log.CloseFollowers();
        _stopping.Dispose();
    }

    protected abstract Task HandleAsync(HttpContext context);

    protected abstract IEnumerable<string> StartupLines();

    protected abstract IEnumerable<string> ReadyLines();

    protected void WriteLog(string line) => Log.Write($"{Context.Time.GetUtcNow():yyyy-MM-dd HH:mm:ss} {line}");

    private async Task RunAsync(CancellationToken ct)
    {
        foreach (var line in StartupLines())
        {
            WriteLog(line);
        }

        if (ListensBeforeLoaded)
        {
            await ListenAsync(ct);
        }

        if (StartupTime > TimeSpan.Zero)
        {
            await Task.Delay(StartupTime, Context.Time, ct);
        }

        if (!ListensBeforeLoaded)
        {
            await ListenAsync(ct);
        }

        Loaded = true;
        foreach (var line in ReadyLines())
        {
            WriteLog(line);
        }
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        if (Launch.ListensOnLoopbackOnly || Launch.Port <= 0)
        {
            // Bound to the pod's own loopback: nothing outside the pod can reach it.
            return;
        }

        _server = await EngineServer.StartAsync(new IPEndPoint(Context.Address, Launch.Port), HandleAsync, Context.LoggerFactory, ct);
    }
}

/// <summary>A container image the simulator does not know: it runs and answers 200 on its port.</summary>
internal sealed class GenericContainer(EngineContext context, EngineLaunch launch) : SimulatedEngine(context, launch)
{
    public override double Utilization => 0;

    public override double MemoryFraction => 0;

    protected override Task HandleAsync(HttpContext context) => context.Response.WriteTextAsync(200, "ok\n", "text/plain", context.RequestAborted);

    protected override IEnumerable<string> StartupLines() => [$"starting {Launch.Image}"];

    protected override IEnumerable<string> ReadyLines() => ["ready"];
}
