using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Application.Security;
using Portal.Services;
using Portal.TestSupport;

namespace Portal.E2E;

public sealed class FoundationJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly PortalAppFactory _portal = new(PortalAppFactory.NewDatabasePath());

    public ValueTask InitializeAsync()
    {
        _portal.Start();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Admin_signs_in_sees_the_empty_deployments_page_and_moves_around_with_the_drawer()
    {
        var page = await browser.NewPageAsync(_portal.BaseAddress);

        await page.GotoAsync("");
        Assert.Contains("/account/login", page.Url);
        await PortalPages.SignInAsync(page, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        Assert.EndsWith("/deployments", page.Url);
        await Assertions.Expect(page.Locator("#deployments-empty")).ToContainTextAsync("No models deployed yet");
        await Assertions.Expect(page.Locator(".mud-appbar")).ToContainTextAsync("Inference Portal");
        var appBarBackground = await page.EvalOnSelectorAsync<string>(".mud-appbar", "e => getComputedStyle(e).position");
        Assert.Equal("fixed", appBarBackground); // MudBlazor's stylesheet is applied
        await BrowserFixture.ScreenshotAsync(page, "deployments-empty-light");

        foreach (var (link, path, title) in new[]
        {
            ("Dashboard", "/dashboard", "Dashboard"),
            ("Playground", "/playground", "Playground"),
            ("Settings", "/settings", "Settings"),
            ("Deployments", "/deployments", "Deployments"),
        })
        {
            await page.Locator(".mud-navmenu").GetByText(link, new() { Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => url.EndsWith(path, StringComparison.Ordinal));
            await Assertions.Expect(page.Locator("#page-title")).ToHaveTextAsync(title);
        }

        await page.Locator(".mud-navmenu").GetByText("Settings", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#users-table")).ToContainTextAsync(PortalAppFactory.AdminEmail);
        await BrowserFixture.ScreenshotAsync(page, "settings-users");
    }

    [Fact]
    public async Task Dark_mode_is_remembered_across_a_reload()
    {
        var page = await browser.NewPageAsync(_portal.BaseAddress);
        await PortalPages.SignInAsync(page, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        var lightBackground = await BackgroundAsync(page);

        await page.ClickAsync("#theme-toggle");
        await page.WaitForFunctionAsync("() => document.body.classList.contains('portal-dark')");
        await page.ReloadAsync();
        await PortalPages.WaitForInteractiveAsync(page);

        Assert.Contains("portal-dark", await page.GetAttributeAsync("body", "class") ?? "");
        Assert.NotEqual(lightBackground, await BackgroundAsync(page));
        await BrowserFixture.ScreenshotAsync(page, "deployments-empty-dark");
    }

    [Fact]
    public async Task A_viewer_has_no_jobs_link_and_cannot_open_the_jobs_dashboard()
    {
        await using (var scope = _portal.Services.CreateAsyncScope())
        {
            var result = await scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>()
                .CreateAsync("viewer@portal.test", "Viewer-pass-1", PortalRoles.Viewer);
            Assert.True(result.Succeeded);
        }

        var page = await browser.NewPageAsync(_portal.BaseAddress);
        await PortalPages.SignInAsync(page, "viewer@portal.test", "Viewer-pass-1");
        Assert.Equal(0, await page.Locator(".mud-navmenu").GetByText("Jobs", new() { Exact = true }).CountAsync());

        await page.GotoAsync("jobs");

        Assert.Contains("/account/access-denied", page.Url);
        await Assertions.Expect(page.Locator("#access-denied")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "viewer-jobs-denied");
    }

    private static Task<string> BackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    public async ValueTask DisposeAsync() => await _portal.DisposeAsync();
}
