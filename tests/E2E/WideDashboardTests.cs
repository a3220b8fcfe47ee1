using Microsoft.Playwright;
using Portal.TestSupport;

namespace Portal.E2E;

/// <summary>The dashboard on a wide screen (1989 px, where it was seen to go wrong): the page uses the width and every chart stays inside its card.</summary>
public sealed class WideDashboardTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>Whether every chart's figure spans at least <c>share</c> of its card's width without passing its right edge.</summary>
    private const string Fits = """
        ([share]) => [...document.querySelectorAll('.portal-chart-card')].every(card => {
          const svg = card.querySelector('.main-svg');
          if (!svg) return true;
          const c = card.getBoundingClientRect(), s = svg.getBoundingClientRect();
          return s.right <= c.right + 1 && s.width >= share * (c.width - 32);
        })
        """;

    [Fact]
    public async Task At_1989_px_the_content_fills_the_width_and_no_chart_overflows_its_card()
    {
        await using var world = await PrometheusMonitoredPortal.StartAsync(
            cancellationToken: Xunit.TestContext.Current.CancellationToken,
            deployments: [PrometheusMonitoredPortal.Deployments[0], PrometheusMonitoredPortal.Deployments[2]]);
        var page = await browser.NewPageAsync(world.Portal.BaseAddress, width: 1989, height: 1200);
        await PortalPages.SignInAsync(page, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        await page.GotoAsync($"dashboard?range=5m&namespace={PrometheusMonitoredPortal.Namespace}");
        await PortalPages.WaitForInteractiveAsync(page);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('.portal-chart-card .js-plotly-plot .main-svg').length >= 4");
        await page.Mouse.MoveAsync(5, 5);
        await BrowserFixture.ScreenshotAsync(page, "dashboard-1989");
        // Opened narrower, then the window widened (a maximised browser): the charts follow.
        await page.SetViewportSizeAsync(1280, 1200);
        await page.WaitForTimeoutAsync(1500);
        await page.SetViewportSizeAsync(1989, 1200);
        await page.WaitForTimeoutAsync(1500);
        await BrowserFixture.ScreenshotAsync(page, "dashboard-1989-widened");
        // The navigation drawer closed and opened again: the content area changes width without a window resize.
        await ToggleDrawerAndWaitForTheChartsToFitAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "dashboard-1989-drawer-closed");
        await ToggleDrawerAndWaitForTheChartsToFitAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "dashboard-1989-drawer-open");

        var layout = await page.EvaluateAsync<double[]>("""
            () => {
              const main = document.querySelector('.mud-main-content');
              const content = main.querySelector('.portal-dashboard') || main.firstElementChild;
              const cards = [...document.querySelectorAll('.portal-chart-card')];
              const overflow = Math.max(...cards.map(card => {
                const box = card.getBoundingClientRect();
                const svg = card.querySelector('.main-svg');
                return svg ? svg.getBoundingClientRect().right - box.right : 0;
              }));
              const used = Math.max(...cards.map(c => c.getBoundingClientRect().right)) - main.getBoundingClientRect().left;
              return [used / main.getBoundingClientRect().width, overflow];
            }
            """);
        Assert.True(layout[0] > 0.9, $"the charts use {layout[0]:P0} of the content width");
        Assert.True(layout[1] <= 1, $"a chart overflows its card by {layout[1]:0} px");
    }

    /// <summary>Toggles the navigation drawer, waits until the cards have their new width, then until every chart fits its card again.</summary>
    private static async Task ToggleDrawerAndWaitForTheChartsToFitAsync(IPage page)
    {
        var before = await page.EvaluateAsync<double>("() => document.querySelector('.portal-chart-card').getBoundingClientRect().width");
        await page.ClickAsync("[aria-label='Toggle navigation']");
        await page.WaitForFunctionAsync(
            "([before]) => Math.abs(document.querySelector('.portal-chart-card').getBoundingClientRect().width - before) > 100", new object[] { before });
        await page.WaitForFunctionAsync(Fits, new object[] { 0.97 }, new() { Timeout = 10_000 });
    }
}
