using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Infrastructure.Prometheus;
using Portal.Services.Dashboard;
using Portal.TestSupport;

namespace Portal.Benchmarks;

/// <summary>
/// The dashboard with 20 deployments on 16 GPUs (8 vLLM and 8 SGLang on one GPU each, 4 CPU-only Ollama), all under
/// light load through the gateway, and a real Prometheus: Prometheus queries per refresh (counted by the client's
/// meter) and the server memory one open dashboard circuit holds (managed heap after full collections, Chromium
/// holding the circuits open). Targets: at most 15 queries per refresh whatever the deployment count, under 2 MB
/// per circuit.
/// </summary>
public sealed class DashboardBenchmark : IBenchmark
{
    private const int Circuits = 8;

    public string Name => "dashboard";

    public string Description => "queries per refresh and server memory per dashboard circuit, 20 deployments / 16 GPUs (targets <= 15, < 2 MB)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var setup = Stopwatch.StartNew();
        var deployments = Enumerable.Range(1, 8).Select(i => new DashboardDeployment($"vllm-{i:00}", "vllm", "Qwen/Qwen2.5-0.5B-Instruct", $"vllm-{i:00}", 1, true))
            .Concat(Enumerable.Range(1, 8).Select(i => new DashboardDeployment($"sglang-{i:00}", "sglang", "Qwen/Qwen2.5-0.5B-Instruct", $"sglang-{i:00}", 1, true)))
            .Concat(Enumerable.Range(1, 4).Select(i => new DashboardDeployment($"ollama-{i:00}", "ollama", "qwen2.5:0.5b", "qwen2.5:0.5b", 0, i == 1)))
            .ToList();
        await using var world = await PrometheusMonitoredPortal.StartAsync(
            new Dictionary<string, string?> { ["Dashboard:RefreshInterval"] = "00:00:05", ["Prometheus:Timeout"] = "00:00:05", ["Logging:LogLevel:Default"] = "Error" },
            gpusPerNode: 8, cancellationToken, deployments, streamsPerDeployment: 1);
        Console.WriteLine($"setup: {deployments.Count} deployments on 2 nodes x 8 GPUs, load through the gateway, Prometheus scraping every 1 s: {setup.Elapsed.TotalSeconds:0} s");

        using var counter = new RequestCounter();
        await MeasureQueriesAsync(world, counter, cancellationToken);
        await MeasureCircuitsAsync(world, counter, cancellationToken);
        var (sent, failed) = world.Load;
        Console.WriteLine($"load during the run: {sent} chat requests through the gateway, {failed} failed");
    }

    private static async Task MeasureQueriesAsync(PrometheusMonitoredPortal world, RequestCounter counter, CancellationToken cancellationToken)
    {
        var sessions = world.Portal.Services.GetRequiredService<DashboardSessionFactory>();
        foreach (var (label, filter) in new[]
        {
            ("all 20 deployments", new DashboardFilter { Range = "15m" }),
            ("one deployment", new DashboardFilter { Range = "15m", Deployment = "vllm-01" }),
        })
        {
            await using var session = sessions.Create(filter);
            var before = counter.Count;
            await session.RefreshAsync(cancellationToken);
            var first = counter.Count - before;
            var traces = session.Panels.Sum(p => p.Traces.Count);
            var lastEnd = session.Panels[0].Loaded!.Value.End;
            await Task.Delay(lastEnd.AddSeconds(5.5) - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, cancellationToken);
            before = counter.Count;
            await session.RefreshAsync(cancellationToken);
            var live = counter.Count - before;
            Console.WriteLine($"queries, {label}: first load {first}, live refresh {live} ({DashboardPanels.All.Count} range + 2 instant); " +
                              $"{traces} traces on {session.Panels.Count} charts, GPU chart drawn as {session.Panel(DashboardPanels.GpuUtilization).Kind.ToString().ToLowerInvariant()}");
        }
    }

    private static async Task MeasureCircuitsAsync(PrometheusMonitoredPortal world, RequestCounter counter, CancellationToken cancellationToken)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DebianChromium.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = world.Portal.BaseAddress.ToString(), ViewportSize = new() { Width = 1440, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var first = await context.NewPageAsync();
        await first.GotoAsync("account/login");
        await first.FillAsync("#email", PortalAppFactory.AdminEmail);
        await first.FillAsync("#password", PortalAppFactory.AdminPassword);
        await first.ClickAsync("#sign-in");
        await first.WaitForSelectorAsync("#render-mode:text('interactive')", new() { State = WaitForSelectorState.Attached });

        // Warm-up: two dashboards and a deployments list stay open through two refreshes, so JIT, serializer caches and
        // other one-time costs are in the baseline, not in the circuits measured.
        await OpenDashboardAsync(first);
        await OpenDashboardAsync(await context.NewPageAsync());
        var list = await context.NewPageAsync();
        await list.GotoAsync("deployments");
        await list.WaitForSelectorAsync("#render-mode:text('interactive')", new() { State = WaitForSelectorState.Attached });
        await Task.Delay(TimeSpan.FromSeconds(11), cancellationToken);

        var baseline = LiveBytes();
        var dashboards = new List<IPage>();
        for (var i = 0; i < Circuits; i++)
        {
            var page = await context.NewPageAsync();
            await OpenDashboardAsync(page);
            dashboards.Add(page);
        }

        var before = counter.Count;
        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(20), cancellationToken); // four live refreshes each
        var perRefresh = (counter.Count - before) / ((Circuits + 2) * (window.Elapsed.TotalSeconds / 5));
        var open = LiveBytes();
        foreach (var page in dashboards)
        {
            await page.CloseAsync(new() { RunBeforeUnload = true });
        }

        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        var closed = LiveBytes();

        // The same number of circuits on the deployments list (20 rows), for comparison.
        var listsOpen = await OpenAndMeasureAsync(context, "deployments", cancellationToken);

        Console.WriteLine($"live Prometheus requests with {Circuits + 2} dashboards open for {window.Elapsed.TotalSeconds:0} s: {perRefresh:0.0} per dashboard per 5 s refresh");
        Console.WriteLine($"server memory per dashboard circuit: {Kb((open - baseline) / Circuits)} " +
                          $"(managed heap {Kb(baseline)} with the warm-up circuits, {Kb(open)} with {Circuits} more dashboards open, {Kb(closed)} after closing them)");
        Console.WriteLine($"for comparison, per circuit of the deployments list: {Kb(listsOpen.PerCircuit)}");
        await context.CloseAsync();
    }

    /// <summary>Opens <see cref="Circuits"/> pages at <paramref name="path"/>, measures, closes them.</summary>
    private static async Task<(long PerCircuit, long Open)> OpenAndMeasureAsync(IBrowserContext context, string path, CancellationToken cancellationToken)
    {
        var before = LiveBytes();
        var pages = new List<IPage>();
        for (var i = 0; i < Circuits; i++)
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(path);
            await page.WaitForSelectorAsync("#render-mode:text('interactive')", new() { State = WaitForSelectorState.Attached });
            pages.Add(page);
        }

        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var open = LiveBytes();
        foreach (var page in pages)
        {
            await page.CloseAsync(new() { RunBeforeUnload = true });
        }

        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        return ((open - before) / Circuits, open);
    }

    private static async Task OpenDashboardAsync(IPage page)
    {
        await page.GotoAsync("dashboard");
        await page.WaitForSelectorAsync("#render-mode:text('interactive')", new() { State = WaitForSelectorState.Attached });
        await page.WaitForFunctionAsync("() => { const d = document.getElementById('chart-ttft'); return d && d.data && d.data.some(t => (t.y || []).some(v => v !== null)); }");
    }

    /// <summary>The managed heap after full, compacting collections: the median of five readings.</summary>
    private static long LiveBytes()
    {
        var readings = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            readings.Add(GC.GetTotalMemory(forceFullCollection: true));
            Thread.Sleep(200);
        }

        return readings.Order().ElementAt(2);
    }

    private static string Kb(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / 1024.0 / 1024.0:0.00} MB" : $"{bytes / 1024.0:0} KB";

    /// <summary>Counts the portal's requests to Prometheus from the client's meter.</summary>
    private sealed class RequestCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public RequestCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PrometheusQueryMetrics.MeterName && instrument.Name == PrometheusQueryMetrics.RequestsCounter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
