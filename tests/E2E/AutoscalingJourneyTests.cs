using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Playwright;
using OpenAI;
using OpenAI.Chat;
using Portal.TestSupport;

namespace Portal.E2E;

/// <summary>
/// A deployment KEDA scales to zero, seen in Chromium: the playground says it is waking the model and about how long
/// it takes (the last cold start), the reply arrives, and the deployment page's Autoscaling tab shows the signal against
/// its target, the decisions KEDA and the HPA made, and the cold start by stage. Screenshots of both.
/// </summary>
public sealed class AutoscalingJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Namespace = "models";

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_playground_shows_the_wake_and_the_deployment_page_shows_the_decisions_and_the_cold_start()
    {
        // Model loads of 4 s, so the wake lasts long enough for a person (and the browser) to read about it.
        await using var world = await AutoscalingWorld.StartAsync(
            simulator: PortalOnSimulator.FastSimulator with { ModelLoadTime = TimeSpan.FromSeconds(4) }, cancellationToken: Ct);
        await world.CreateAsync(new
        {
            name = "sleepy",
            @namespace = Namespace,
            framework = "vllm",
            model = "Qwen/Qwen2.5-0.5B-Instruct",
            servedModelName = "sleepy-qwen",
            gpusPerReplica = 1,
            autoscaling = new { mode = "Keda", metric = "requests-waiting", target = 5, minReplicas = 0, maxReplicas = 2, cooldownSeconds = 2, pollingSeconds = 1 },
        }, Ct);
        await world.Env.WaitForDeploymentAsync("sleepy", d => d.State == "idle", TimeSpan.FromSeconds(60), Ct);

        // A first wake through the API measures a cold start; then it goes back to zero.
        var chat = new OpenAIClient(new ApiKeyCredential(PortalOnSimulator.AdminApiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(world.Portal.BaseAddress, "v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(90),
        }).GetChatClient("sleepy-qwen");
        await chat.CompleteChatAsync([new UserChatMessage("First wake.")], new ChatCompletionOptions { MaxOutputTokenCount = 4 }, Ct);
        await world.Env.WaitForDeploymentAsync("sleepy", d => d.State == "idle", TimeSpan.FromSeconds(60), Ct);

        var page = await browser.NewPageAsync(world.Portal.BaseAddress);
        await PortalPages.SignInAsync(page, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        await page.GotoAsync("playground?deployment=sleepy");
        await PortalPages.WaitForInteractiveAsync(page);
        await page.FillAsync("#prompt", "Are you awake?");
        await page.ClickAsync("#send");
        var waking = page.Locator("[data-testid=waking]");
        await Assertions.Expect(waking).ToContainTextAsync("waking model, about", new() { Timeout = 20_000 });
        await BrowserFixture.ScreenshotAsync(page, "playground-waking");
        await Assertions.Expect(page.Locator(".assistant-bubble[data-status='done']")).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await Assertions.Expect(waking).ToHaveCountAsync(0);

        await page.GotoAsync("deployments/sleepy");
        await PortalPages.WaitForInteractiveAsync(page);
        await page.Locator(".mud-tab", new() { HasText = "Autoscaling" }).ClickAsync();
        var decisions = page.Locator("#as-decisions tbody tr");
        await Assertions.Expect(page.Locator("#as-decisions tr[data-reason='KEDAScaleTargetActivated']").First).ToContainTextAsync("caused by forced activation annotation", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("#as-decisions tr[data-reason='KEDAScaleTargetDeactivated']").First).ToContainTextAsync("from 1 to 0");
        await Assertions.Expect(page.Locator("#cold-start")).ToContainTextAsync("Last cold start");
        await Assertions.Expect(page.Locator("#cold-start [data-stage='model load']")).Not.ToHaveTextAsync("0.0 s");
        // The chart: the signal's line and the target's (Plotly loads its script on first use, so wait for the figure).
        await page.WaitForFunctionAsync("() => (document.getElementById('as-signal-plot')?.data || []).filter(t => (t.x || []).length > 0).length >= 2",
            null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.True(await decisions.CountAsync() >= 2);
        await page.Mouse.MoveAsync(5, 5);
        await BrowserFixture.ScreenshotAsync(page, "deployment-autoscaling");
    }
}
