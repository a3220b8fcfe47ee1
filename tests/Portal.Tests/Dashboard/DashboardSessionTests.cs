using Portal.Services.Dashboard;
using Portal.TestSupport;

namespace Portal.Tests.Dashboard;

/// <summary>
/// The dashboard's logic without a browser: a session of the real portal reading a real Prometheus that scrapes the
/// simulated cluster (vLLM, SGLang, Ollama under load through the gateway, and an idle Ollama) and the portal itself.
/// </summary>
public sealed class DashboardSessionTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static readonly DashboardFilter OurNamespace = new() { Range = "5m", Namespace = PrometheusMonitoredPortal.Namespace };

    [Fact]
    public async Task One_refresh_draws_every_chart_for_all_three_frameworks_with_twelve_queries()
    {
        await using var session = fixture.Sessions.Create(OurNamespace);
        var updates = DashboardFixture.Capture(session);

        await session.RefreshAsync(Ct);

        Assert.Null(session.Status.Error);
        Assert.Equal(DashboardLoader.QueriesPerRefresh(DashboardPanels.All.Count), session.Status.QueriesLastRefresh);
        Assert.Equal(12, session.Status.QueriesLastRefresh);

        // GPUs held by the deployments of the namespace: the CPU-only Ollama holds none.
        var gpus = Reset(updates, DashboardPanels.GpuUtilization);
        Assert.Equal(3, gpus.Traces.Count);
        Assert.All(gpus.Traces, t => Assert.Matches(@"^gpu-node-\d · GPU \d$", t.Id.Name));
        var memory = Reset(updates, DashboardPanels.GpuMemory);
        Assert.Equal(["a-vllm", "b-sglang", "c-ollama"], memory.Traces.Where(t => t.HasData).Select(t => t.Id.Name).Order());
        Assert.All(memory.Traces.Where(t => t.Id.Name != "c-ollama"), t => Assert.InRange(t.Values.Last(v => v is not null)!.Value, 50, 80)); // GiB of an H100

        var ttft = Reset(updates, DashboardPanels.TimeToFirstToken);
        var drawn = ttft.Traces.Where(t => t.HasData).Select(t => t.Id.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "a-vllm p95", "a-vllm p50", "b-sglang p95", "c-ollama p95 (gateway)" }, drawn);
        Assert.All(ttft.Traces.Where(t => t.HasData), t => Assert.InRange(t.Values.Last(v => v is not null)!.Value, 0.001, 5));

        var kv = Reset(updates, DashboardPanels.KvCache);
        Assert.Equal(["a-vllm", "b-sglang"], kv.Traces.Select(t => t.Id.Name).Order());
        var tokens = Reset(updates, DashboardPanels.Tokens);
        Assert.Contains(tokens.Traces, t => t.Id.Name == "c-ollama (gateway)" && t.HasData);

        var health = Assert.IsType<HeatmapReset>(Assert.Single(updates[DashboardPanels.Health]));
        Assert.Equal(["a-vllm", "b-sglang", "c-ollama", "d-ollama"], health.Rows.Order());
        Assert.All(health.Z, row => Assert.Equal(1, row.Last(v => v is not null)));
    }

    [Fact]
    public async Task Charts_say_which_metric_is_missing_and_why_and_Ollama_without_gateway_traffic_is_named()
    {
        await using var session = fixture.Sessions.Create(OurNamespace);

        await session.RefreshAsync(Ct);

        var kv = session.Panel(DashboardPanels.KvCache);
        Assert.Null(kv.Notice);
        Assert.Contains("c-ollama: Ollama has no Prometheus metrics of its own, and the gateway cannot see its KV cache.", kv.Footnotes);
        var ttft = session.Panel(DashboardPanels.TimeToFirstToken);
        Assert.Equal(
            "d-ollama: Ollama has no Prometheus metrics of its own: measured by the portal gateway. " +
            "No data yet: the gateway has not served it (portal_gateway_time_to_first_token_seconds_count is absent).",
            Assert.Single(ttft.Footnotes));
        Assert.Empty(session.Panel(DashboardPanels.GpuUtilization).Footnotes);
        Assert.Equal(["d-ollama: none of its pods holds a GPU now."], session.Panel(DashboardPanels.GpuMemory).Footnotes);
        var notice = Assert.Single(session.Notices);
        Assert.Contains("d-ollama", notice);
        Assert.DoesNotContain("c-ollama", notice);

        var cards = session.Cards.ToDictionary(c => c.Id);
        Assert.Equal("4 / 4", cards["ready"].Value);
        Assert.Equal("3", cards["gpus"].Value);
        Assert.NotEqual("–", cards["requests"].Value);
        Assert.EndsWith(" ms", cards["ttft"].Value);
        Assert.NotEmpty(cards["gpu-utilization"].Trend);
        Assert.Equal(3, session.Gpus!.Count);
        Assert.All(session.Gpus, g => Assert.Contains(g.Deployment, new[] { "a-vllm", "b-sglang", "c-ollama" }));
        Assert.All(session.Gpus, g => Assert.NotNull(g.TemperatureCelsius));
    }

    [Fact]
    public async Task The_next_refresh_asks_only_for_new_points_and_appends_them_to_the_traces_drawn()
    {
        await using var session = fixture.Sessions.Create(OurNamespace);
        var updates = DashboardFixture.Capture(session);
        await session.RefreshAsync(Ct);
        var drawn = session.Panel(DashboardPanels.TimeToFirstToken).Traces.Count;
        var lastEnd = session.Panel(DashboardPanels.TimeToFirstToken).Loaded!.Value.End;

        // The 5-minute range steps every 5 s: wait for the next step to begin, then refresh.
        await Task.Delay(lastEnd.AddSeconds(5.2) - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, Ct);
        await session.RefreshAsync(Ct);

        var extend = Assert.IsType<LinesExtend>(updates[DashboardPanels.TimeToFirstToken].Last());
        Assert.Equal(lastEnd.AddSeconds(5).ToUnixTimeMilliseconds(), extend.X[0]);
        Assert.InRange(extend.X.Length, 1, 2);
        Assert.Equal(drawn, extend.Existing.Count);
        Assert.Contains(extend.Existing, values => values.Any(v => v is not null));
        Assert.Equal(60 + 1, extend.MaxPoints);
        Assert.Equal(12, session.Status.QueriesLastRefresh);
    }

    private static LinesReset Reset(System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentQueue<PanelUpdate>> updates, string panel) =>
        Assert.IsType<LinesReset>(Assert.Single(updates[panel]));
}
