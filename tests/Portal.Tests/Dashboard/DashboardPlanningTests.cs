using Microsoft.Extensions.Time.Testing;
using Portal.Application.Deployments;
using Portal.Domain.Deployments;
using Portal.Services.Dashboard;

namespace Portal.Tests.Dashboard;

/// <summary>
/// The dashboard's decisions with plain inputs and a fake clock, no Prometheus and no browser: which window each
/// panel asks for, which deployments are in scope, what each chart is told to draw, and what the cards say.
/// </summary>
public sealed class DashboardPlanningTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 10, 0, 2, TimeSpan.Zero);

    [Fact]
    public void First_refresh_asks_every_panel_for_the_whole_range_on_a_grid_of_five_second_steps()
    {
        var clock = new FakeTimeProvider(Start);
        var panels = Feeds();

        var work = RefreshPlanner.Plan(panels, new DashboardFilter(), clock.GetUtcNow());

        Assert.Equal(DashboardPanels.All.Count, work.Count);
        var window = work[0].Window;
        Assert.Equal((TimeSpan.FromSeconds(5), 181), (window.Step, window.Points));
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero), window.End); // floored to the step
        Assert.All(work, w => Assert.Equal(window, w.Window));
    }

    [Fact]
    public void Later_refreshes_ask_only_for_the_steps_begun_since_and_nothing_before_a_new_step()
    {
        var clock = new FakeTimeProvider(Start);
        var panels = Feeds();
        var full = RefreshPlanner.Plan(panels, new DashboardFilter(), clock.GetUtcNow())[0].Window;
        foreach (var panel in panels)
        {
            panel.Loaded = full;
        }

        clock.Advance(TimeSpan.FromSeconds(2)); // 10:00:04, still in the step drawn last
        Assert.Empty(RefreshPlanner.Plan(panels, new DashboardFilter(), clock.GetUtcNow()));

        clock.Advance(TimeSpan.FromSeconds(8)); // 10:00:12: steps 10:00:05 and 10:00:10 have begun
        var next = RefreshPlanner.Plan(panels, new DashboardFilter(), clock.GetUtcNow());
        Assert.All(next, w => Assert.Equal((full.End + TimeSpan.FromSeconds(5), 2), (w.Window.Start, w.Window.Points)));
    }

    [Fact]
    public void A_panel_away_longer_than_its_range_is_drawn_afresh()
    {
        var clock = new FakeTimeProvider(Start);
        var panels = Feeds();
        var full = RefreshPlanner.Plan(panels, new DashboardFilter(), clock.GetUtcNow())[0].Window;
        panels[0].Loaded = full;

        clock.Advance(TimeSpan.FromMinutes(20));
        var work = RefreshPlanner.Plan([panels[0]], new DashboardFilter(), clock.GetUtcNow());

        Assert.Null(panels[0].Loaded);
        Assert.Equal(181, Assert.Single(work).Window.Points);
    }

    [Fact]
    public void A_custom_range_is_loaded_once_and_never_extended()
    {
        var filter = new DashboardFilter { Range = DashboardFilter.CustomRange, From = Start.AddHours(-2), To = Start.AddHours(-1) };
        var panels = Feeds();
        var full = RefreshPlanner.Plan(panels, filter, Start)[0].Window;
        foreach (var panel in panels)
        {
            panel.Loaded = full;
        }

        Assert.Equal(TimeSpan.FromSeconds(10), full.Step); // an hour fits 360 points at 10 s
        Assert.Empty(RefreshPlanner.Plan(panels, filter, Start.AddMinutes(30)));
    }

    [Fact]
    public void Scope_follows_the_filter_and_a_named_deleted_deployment_keeps_its_history()
    {
        IReadOnlyList<DeploymentSummary> all = [Summary("a", "vllm"), Summary("b", "ollama")];

        Assert.Null(DashboardScope.Resolve(new DashboardFilter(), all).Names);
        Assert.Equal(["b"], DashboardScope.Resolve(new DashboardFilter { Framework = "ollama" }, all).Names!);
        var gone = DashboardScope.Resolve(new DashboardFilter { Deployment = "deleted-yesterday" }, all);
        Assert.Empty(gone.InScope);
        Assert.Equal(["deleted-yesterday"], gone.Names!);
        Assert.True(gone.SameNamesAs(["deleted-yesterday"]));
        Assert.False(gone.SameNamesAs(null));
    }

    [Fact]
    public void A_chart_gets_a_reset_then_appends_with_a_deployment_that_appeared_meanwhile()
    {
        var feed = new PanelFeed(DashboardPanels.All.Single(p => p.Id == DashboardPanels.Tokens));
        var updates = new List<PanelUpdate>();
        feed.Updated += updates.Add;
        var updater = new PanelUpdater();
        var window = new DashboardWindow(Start, Start.AddSeconds(10), TimeSpan.FromSeconds(5));

        updater.Apply(feed, Result(feed, window, Trace("a", 1, 2, 3)), [Summary("a", "vllm")]);
        var later = new DashboardWindow(Start.AddSeconds(15), Start.AddSeconds(15), TimeSpan.FromSeconds(5));
        updater.Apply(feed, Result(feed, later, Trace("a", 4), Trace("b", 9)), [Summary("a", "vllm"), Summary("b", "vllm")]);

        var reset = Assert.IsType<LinesReset>(updates[0]);
        Assert.Equal(3, reset.X.Length);
        var extend = Assert.IsType<LinesExtend>(updates[1]);
        Assert.Equal([4.0], extend.Existing.Single());
        Assert.Equal("b", Assert.Single(extend.Added).Id.Deployment);
        Assert.Equal(["a", "b"], feed.Traces.Select(t => t.Deployment));
        Assert.Equal(later.End, feed.Loaded!.Value.End);
    }

    [Fact]
    public void More_gpus_than_lines_can_show_draw_as_a_heatmap_with_the_last_gpu_at_the_bottom()
    {
        var feed = new PanelFeed(DashboardPanels.All.Single(p => p.Id == DashboardPanels.GpuUtilization));
        HeatmapReset? heatmap = null;
        feed.Updated += u => heatmap = u as HeatmapReset ?? heatmap;
        var window = new DashboardWindow(Start, Start, TimeSpan.FromSeconds(5));
        var gpus = Enumerable.Range(0, DashboardPanels.HeatmapAboveGpus + 1)
            .Select(i => new TraceSeries(new TraceIdentity($"node-a/{i}", $"node-a/{i}", "node-a"), [i * 10.0]))
            .ToList();

        new PanelUpdater().Apply(feed, new PanelResult(feed.Definition, window, gpus, null), []);

        Assert.Equal(PanelKind.Heatmap, feed.Kind);
        Assert.NotNull(heatmap);
        Assert.Equal("node-a/8", heatmap.Rows[0]);
        Assert.Equal("node-a/0", heatmap.Rows[^1]);
    }

    [Fact]
    public void Cards_say_how_many_are_ready_which_are_not_and_the_worst_time_to_first_token()
    {
        var trends = new FleetTrends();
        var ttft = new PanelFeed(DashboardPanels.All.Single(p => p.Id == DashboardPanels.TimeToFirstToken));
        var window = new DashboardWindow(Start, Start, TimeSpan.FromSeconds(5));
        trends.Update(Result(ttft, window, Trace("a", 0.25, variant: "0.95"), Trace("b", 0.8, variant: "0.95")), ttft);

        var cards = FleetCards.Build(new DashboardFilter(), gpuRows: null,
            [Summary("a", "vllm"), Summary("b", "sglang", ObservedState.Deploying)], trends);

        var ready = cards.Single(c => c.Id == "ready");
        Assert.Equal(("1 / 2", "b deploying"), (ready.Value, ready.Detail));
        var worst = cards.Single(c => c.Id == "ttft");
        Assert.Equal(("800 ms", "worst deployment: b"), (worst.Value, worst.Detail));
        Assert.Equal("–", cards.Single(c => c.Id == "gpus").Value);
    }

    private static List<PanelFeed> Feeds() => DashboardPanels.All.Select(p => new PanelFeed(p)).ToList();

    private static TraceSeries Trace(string deployment, double value, string variant = "") =>
        Trace(deployment, [value], variant);

    private static TraceSeries Trace(string deployment, double a, double b, double c) => Trace(deployment, [a, b, c], "");

    private static TraceSeries Trace(string deployment, double[] values, string variant) =>
        new(new TraceIdentity($"{deployment}/{variant}", deployment, deployment) { Deployment = deployment, Variant = variant },
            values.Select(v => (double?)v).ToArray());

    private static PanelResult Result(PanelFeed feed, DashboardWindow window, params TraceSeries[] traces) =>
        new(feed.Definition, window, traces, null);

    private static DeploymentSummary Summary(string name, string framework, ObservedState state = ObservedState.Ready) =>
        new(Guid.NewGuid(), name, "default", framework, "m", 1, 1, state, DesiredState.Running, null, null, Start);
}
