using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Portal.Components.Dashboard;
using Portal.Services.Dashboard;

namespace Portal.Tests.Dashboard;

/// <summary>The dashboard's small components, rendered with bUnit.</summary>
public sealed class DashboardComponentTests : BunitContext
{
    public DashboardComponentTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddLogging();
    }

    [Fact]
    public void A_fleet_card_renders_again_only_when_its_figures_change()
    {
        var card = Render<StatCard>(p => p.Add(c => c.Model, Card("3 / 16", 1, 2, 3)));
        Assert.Equal("3 / 16", card.Find("[data-testid=value]").TextContent);
        var renders = card.RenderCount;

        card.Render(p => p.Add(c => c.Model, Card("3 / 16", 1, 2, 3))); // a new refresh, same figures
        Assert.Equal(renders, card.RenderCount);

        card.Render(p => p.Add(c => c.Model, Card("4 / 16", 1, 2, 3, 4)));
        Assert.Equal(renders + 1, card.RenderCount);
        Assert.Equal("4 / 16", card.Find("[data-testid=value]").TextContent);
    }

    [Fact]
    public void A_sparkline_breaks_where_a_value_is_unknown()
    {
        var line = Render<Sparkline>(p => p.Add(s => s.Values, [1, 2, double.NaN, 4, 5, 6]));

        Assert.Equal(2, line.FindAll("polyline").Count);
    }

    [Fact]
    public void The_banner_names_the_URL_tried_the_error_and_how_old_the_charts_are()
    {
        var failing = new DashboardStatus(
            LastSuccess: DateTimeOffset.Parse("2026-11-26T09:38:36Z", System.Globalization.CultureInfo.InvariantCulture),
            Error: new PrometheusErrorView("http://prometheus:9090/", "unreachable", "Connection refused (prometheus:9090)",
                DateTimeOffset.Parse("2026-11-26T09:38:38Z", System.Globalization.CultureInfo.InvariantCulture)),
            Paused: false, Live: true, QueriesLastRefresh: 12);

        var banner = Render<PrometheusBanner>(p => p
            .Add(b => b.Status, failing)
            .Add(b => b.TimeZone, TimeZoneInfo.Utc)
            .Add(b => b.RefreshInterval, TimeSpan.FromSeconds(5)));

        var text = banner.Find("#prometheus-banner").TextContent;
        Assert.Contains("Prometheus at http://prometheus:9090/ is unreachable", text);
        Assert.Contains("Connection refused (prometheus:9090)", text);
        Assert.Contains("Charts keep the data up to 09:38:36, greyed out.", text);
        Assert.Contains("trying again every 5 s", text);

        var healthy = Render<PrometheusBanner>(p => p
            .Add(b => b.Status, failing with { Error = null })
            .Add(b => b.TimeZone, TimeZoneInfo.Utc)
            .Add(b => b.RefreshInterval, TimeSpan.FromSeconds(5)));
        Assert.Empty(healthy.FindAll("#prometheus-banner"));
    }

    [Fact]
    public void A_chart_without_data_says_why_and_a_stale_chart_is_greyed_with_its_data_kept()
    {
        var feed = new PanelFeed(DashboardPanels.Get(DashboardPanels.KvCache))
        {
            Notice = "No data yet.",
            Footnotes = ["c-ollama: Ollama has no Prometheus metrics of its own, and the gateway cannot see its KV cache."],
        };

        var chart = Render<LiveChart>(p => p
            .Add(c => c.Feed, feed)
            .Add(c => c.TimeZone, TimeZoneInfo.Utc)
            .Add(c => c.Colors, new TraceColors()));

        Assert.Equal("KV-cache usage", chart.Find(".portal-chart-title").TextContent);
        Assert.Contains("No data yet.", chart.Find(".portal-chart-notice").TextContent);
        Assert.Equal("No data for c-ollama: Ollama has no Prometheus metrics of its own, and the gateway cannot see its KV cache.",
            chart.Find(".portal-chart-footnotes li").TextContent.Trim());
        Assert.Empty(chart.FindAll(".portal-chart-stale"));

        feed.Stale = true;
        chart.Render(p => p.Add(c => c.Feed, feed));
        Assert.Single(chart.FindAll(".portal-chart-stale"));
        Assert.Contains("stale", chart.Find(".portal-stale-chip").TextContent);
        Assert.Single(chart.FindAll("#chart-kv-cache")); // the Plotly div stays, with its data, under the grey
    }

    private static StatCardModel Card(string value, params double[] trend) => new("gpus", "GPUs in use", value, "memory 142 of 239 GiB", trend);
}
