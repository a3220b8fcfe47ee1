using System.Text.Json;
using Microsoft.Playwright;
using Portal.TestSupport;

namespace Portal.E2E;

/// <summary>
/// The live dashboard in Chromium against the portal, a simulated cluster with one deployment per framework under
/// load through the gateway (plus an idle Ollama one), and a real Prometheus scraping both.
/// </summary>
public sealed class DashboardJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    // For each chart: trace (its full name is in meta; the legend shows the deployment) → number of points with a value, read from the Plotly figure in the page.
    private const string PointsScript = """
        id => {
          const div = document.getElementById(id);
          if (!div || !div.data) return {};
          const result = {};
          for (const t of div.data) {
            const values = t.type === 'heatmap' ? (t.z || []).flat() : (t.y || []);
            result[t.meta || t.name || t.type] = values.filter(v => v !== null && v !== undefined).length;
          }
          return result;
        }
        """;

    [Fact]
    public async Task The_dashboard_draws_live_charts_for_every_framework_and_says_so_when_Prometheus_goes_away()
    {
        await using var world = await PrometheusMonitoredPortal.StartAsync(cancellationToken: Xunit.TestContext.Current.CancellationToken);
        var page = await browser.NewPageAsync(world.Portal.BaseAddress);
        await PortalPages.SignInAsync(page, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        await page.GotoAsync($"dashboard?range=5m&namespace={PrometheusMonitoredPortal.Namespace}");
        await PortalPages.WaitForInteractiveAsync(page);
        // Each chart draws its part of a refresh on its own, so the test waits for every chart it reads.
        await page.WaitForFunctionAsync($"() => Object.values(({PointsScript})('chart-ttft')).filter(n => n > 0).length >= 3");
        await WaitForPointsAsync(page, "chart-tokens", "c-ollama (gateway)");
        await WaitForPointsAsync(page, "chart-kv-cache", "a-vllm");

        var ttft = await PointsAsync(page, "chart-ttft");
        Assert.All(new[] { "a-vllm p95", "b-sglang p95", "c-ollama p95 (gateway)" }, name => Assert.True(ttft.GetValueOrDefault(name) > 0, $"{name}: {Describe(ttft)}"));
        var gpus = await PointsAsync(page, "chart-gpu-utilization");
        Assert.Equal(3, gpus.Count(g => g.Value > 0));
        Assert.True((await PointsAsync(page, "chart-tokens")).GetValueOrDefault("c-ollama (gateway)") > 0);
        Assert.True((await PointsAsync(page, "chart-kv-cache")).GetValueOrDefault("a-vllm") > 0);
        Assert.True((await PointsAsync(page, "chart-health")).Values.Single() >= 4);
        await Assertions.Expect(page.Locator("#stat-ready [data-testid=value]")).ToHaveTextAsync("4 / 4");
        await Assertions.Expect(page.Locator(".portal-dashboard-notice")).ToContainTextAsync("d-ollama");
        await Assertions.Expect(page.Locator("#panel-kv-cache .portal-chart-footnotes"))
            .ToContainTextAsync("c-ollama: Ollama has no Prometheus metrics of its own, and the gateway cannot see its KV cache.");
        await Assertions.Expect(page.Locator("#gpu-table tbody tr")).ToHaveCountAsync(3);
        await BrowserFixture.ScreenshotAsync(page, "dashboard-light");
        await PanelScreenshotAsync(page, "ttft", "light");

        // Live refresh: the next step's points are appended to the traces already drawn.
        var drawn = (await XCountsAsync(page, "chart-ttft"))["a-vllm p95"];
        await page.WaitForFunctionAsync(
            "([id, n]) => document.getElementById(id).data.find(t => t.meta === 'a-vllm p95').x.length > n",
            new object[] { "chart-ttft", drawn }, new PageWaitForFunctionOptions { Timeout = 15_000 });

        // Pause holds the charts still; resume carries on from the last point.
        await page.ClickAsync("#dashboard-pause");
        await Assertions.Expect(page.Locator("#dashboard-status")).ToContainTextAsync("paused");
        await page.ClickAsync("#dashboard-pause");
        await Assertions.Expect(page.Locator("#dashboard-status")).ToContainTextAsync("every 2 s");

        // A range chosen in the page goes into the URL, so the view can be shared.
        // The live page re-renders every 2 s; a click that lands while its button is being re-rendered is dropped
        // by Blazor (a stale event handler), and a user clicks again, as the test does. The page replaces the
        // address through the history API, so the test polls the address.
        var shared = new System.Text.RegularExpressions.Regex("^(?=.*range=1h)(?=.*namespace=dash)");
        for (var attempt = 1; ; attempt++)
        {
            await page.ClickAsync("#range-1h");
            try
            {
                await Assertions.Expect(page).ToHaveURLAsync(shared, new() { Timeout = 5_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
            }
        }
        await page.WaitForFunctionAsync($"() => Object.values(({PointsScript})('chart-ttft')).filter(n => n > 0).length >= 3");

        await page.ClickAsync("#theme-toggle");
        await page.WaitForFunctionAsync("() => document.body.classList.contains('portal-dark')");
        await page.Mouse.MoveAsync(700, 500); // no tooltip over the screenshot
        await BrowserFixture.ScreenshotAsync(page, "dashboard-dark");
        await PanelScreenshotAsync(page, "requests", "dark");

        // The deployment page's Metrics tab: the same charts for one deployment, with the gateway's own figures beside the engine's.
        await page.GotoAsync("deployments/a-vllm");
        await PortalPages.WaitForInteractiveAsync(page);
        await page.Locator(".mud-tab", new() { HasText = "Metrics" }).ClickAsync();
        await WaitForPointsAsync(page, "chart-ttft", "a-vllm p95", "a-vllm p95 (gateway)");
        await WaitForPointsAsync(page, "chart-kv-cache", "a-vllm");
        Assert.Equal(["a-vllm"], (await PointsAsync(page, "chart-kv-cache")).Where(p => p.Value > 0).Select(p => p.Key));
        await Assertions.Expect(page.Locator("#deployment-metrics #gpu-table tbody tr")).ToHaveCountAsync(1);
        await page.Mouse.MoveAsync(700, 500);
        await BrowserFixture.ScreenshotAsync(page, "deployment-metrics-dark");

        // Prometheus goes away: a banner with the URL and the error; the charts keep their data, greyed out.
        await world.Prometheus.StopAsync();
        var banner = page.Locator("#prometheus-banner");
        await Assertions.Expect(banner).ToContainTextAsync(world.Prometheus.Url.ToString(), new() { Timeout = 15_000 });
        // The error itself, or, once the client's circuit breaker opened after repeated refusals, that it pauses.
        await Assertions.Expect(banner).ToContainTextAsync(new System.Text.RegularExpressions.Regex("Connection refused|paused after repeated failures"));
        await Assertions.Expect(page.Locator(".portal-chart-stale")).ToHaveCountAsync(10);
        Assert.True((await PointsAsync(page, "chart-ttft")).GetValueOrDefault("a-vllm p95") > 0);
        await BrowserFixture.ScreenshotAsync(page, "dashboard-prometheus-down-dark");
        await page.Context.CloseAsync();
    }

    private static Task PanelScreenshotAsync(IPage page, string panel, string theme) =>
        page.Locator($"#panel-{panel}").ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"dashboard-{panel}-{theme}.png") });

    private static Task WaitForPointsAsync(IPage page, string chart, params string[] traces) =>
        page.WaitForFunctionAsync($"names => names.every(n => ({PointsScript})('{chart}')[n] > 0)", traces);

    private static async Task<Dictionary<string, int>> PointsAsync(IPage page, string chart) =>
        (await page.EvaluateAsync<Dictionary<string, int>>($"({PointsScript})('{chart}')")) ?? [];

    private static async Task<Dictionary<string, int>> XCountsAsync(IPage page, string chart) =>
        await page.EvaluateAsync<Dictionary<string, int>>(
            "id => Object.fromEntries(document.getElementById(id).data.map(t => [t.meta || t.name, t.x.length]))", chart);

    private static string Describe(Dictionary<string, int> points) => JsonSerializer.Serialize(points);
}
