using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Portal.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace Portal.E2E;

/// <summary>
/// Two replicas on one PostgreSQL: a page open on one follows a change made through the other. Two portal processes
/// besides the browser: this class runs alone, after the other journeys, so neither slows the other down.
/// </summary>
[Collection(nameof(ScaleOutJourneyTests))]
public sealed class ScaleOutJourneyTests(BrowserFixture browser, PostgreSqlServer postgres)
    : IClassFixture<BrowserFixture>, IClassFixture<PostgreSqlServer>
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_change_through_replica_A_appears_on_the_deployment_page_open_on_replica_B_within_two_seconds()
    {
        await using var pair = await PortalReplicas.StartAsync(postgres, cancellationToken: Ct);
        const string name = "shared-view";
        using var a = pair.A.ApiClient();
        using (var created = await a.PostAsJsonAsync("/api/v1/deployments",
            new { name, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        }

        await PortalReplicas.WaitForDeploymentAsync(pair.B, name, d => d.State == "ready", TimeSpan.FromSeconds(60), Ct);

        var page = await browser.NewPageAsync(pair.B.BaseAddress);
        await PortalPages.SignInAsync(page, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        await page.GotoAsync($"deployments/{name}");
        await PortalPages.WaitForInteractiveAsync(page);
        await Expect(page.Locator("#replicas")).ToContainTextAsync("1 / 1 ready");
        await Expect(page.Locator("#action-stop")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Operations" }).ClickAsync();
        await Expect(page.Locator("#operations-timeline li[data-kind='deploy']")).ToHaveCountAsync(1);

        var clock = Stopwatch.StartNew();
        using (var stop = await a.PostAsync($"/api/v1/deployments/{name}/stop", null, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        }

        // Both the header (Start replaces Stop) and the audit log follow, without a reload.
        await Expect(page.Locator("#action-start")).ToBeVisibleAsync(new() { Timeout = 2_000 });
        await Expect(page.Locator("#operations-timeline li[data-kind='stop']")).ToHaveCountAsync(1, new() { Timeout = 2_000 });
        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(2), $"the page on B showed the stop after {clock.Elapsed}");
        await BrowserFixture.ScreenshotAsync(page, "scale-out-replica-b");
        await page.Context.CloseAsync();
    }
}

[CollectionDefinition(nameof(ScaleOutJourneyTests), DisableParallelization = true)]
public sealed class ScaleOutJourneyCollection;
