using System.Net.Http.Json;
using Microsoft.Playwright;
using Portal.TestSupport;

namespace Portal.E2E;

/// <summary>
/// A user in the playground: picks a deployment, watches a reply stream in, stops a long one, compares
/// two frameworks side by side, and creates an API key for programs. Screenshots in light and dark.
/// </summary>
public sealed class PlaygroundJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private PortalOnSimulator _env = default!;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _env = await PortalOnSimulator.StartAsync(cancellationToken: Ct);
        using var api = _env.ApiClient();
        foreach (var (name, framework) in new[] { ("chat-vllm", "vllm"), ("chat-sglang", "sglang") })
        {
            (await api.PostAsJsonAsync("/api/v1/deployments",
                new { name, @namespace = "default", framework, model = "Qwen/Qwen2.5-0.5B-Instruct", servedModelName = $"qwen-{framework}", replicas = 1, gpusPerReplica = 1 }, Ct))
                .EnsureSuccessStatusCode();
        }

        foreach (var name in new[] { "chat-vllm", "chat-sglang" })
        {
            await _env.WaitForDeploymentAsync(name, d => d.State == "ready", cancellationToken: Ct);
        }
    }

    [Fact]
    public async Task Chat_streams_in_stops_on_request_and_compares_two_frameworks()
    {
        // Slow enough that a short reply takes seconds, even when the browser is slow to look.
        _env.Cluster.Engines.InterTokenLatency = TimeSpan.FromMilliseconds(150);
        var page = await browser.NewPageAsync(_env.Portal.BaseAddress);
        await PortalPages.SignInAsync(page, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        // Arrive as the deployment page's "Open in playground" sends people.
        await page.GotoAsync("playground?deployment=chat-vllm");
        await PortalPages.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator(".transcript-header")).ToContainTextAsync("chat-vllm");

        await page.FillAsync("#system-prompt", "You answer in Markdown.");
        await page.FillAsync("#prompt", "Explain what a reverse proxy does, with a short code example.");
        await page.ClickAsync("#send");
        var reply = page.Locator(".assistant-bubble .markdown-body").Last;
        await Assertions.Expect(page.Locator(".assistant-bubble")).ToHaveCountAsync(1);
        var lengths = new List<int>();
        while (lengths.Count < 40 && await page.Locator(".assistant-bubble[data-status='streaming']").CountAsync() > 0)
        {
            var length = (await reply.InnerTextAsync()).Length;
            if (lengths.Count == 0 || length > lengths[^1])
            {
                lengths.Add(length);
            }

            await Task.Delay(100, Ct);
        }

        Assert.True(lengths.Count(l => l > 0) >= 3, $"the reply did not grow while streaming: {string.Join(", ", lengths)}");
        await Assertions.Expect(page.Locator("[data-testid=reply-figures]").Last).ToContainTextAsync("tok/s");
        await Assertions.Expect(page.Locator("[data-testid=reply-figures]").Last).ToContainTextAsync("ms");
        await BrowserFixture.ScreenshotAsync(page, "playground-chat-light");

        // A long generation, stopped half-way.
        await page.FillAsync("#max-tokens", "400");
        await page.Locator("#max-tokens").PressAsync("Tab");
        await page.FillAsync("#prompt", "Now write a very long essay about load balancing.");
        await page.ClickAsync("#send");
        await page.WaitForFunctionAsync("() => { const b = document.querySelectorAll('.assistant-bubble'); return b.length === 2 && b[1].innerText.length > 40; }");
        await page.ClickAsync("#stop");
        var stopped = page.Locator(".assistant-bubble").Nth(1);
        await Assertions.Expect(stopped).ToHaveAttributeAsync("data-status", "stopped");
        var atStop = (await stopped.Locator(".markdown-body").InnerTextAsync()).Length;
        await Task.Delay(400, Ct);
        Assert.Equal(atStop, (await stopped.Locator(".markdown-body").InnerTextAsync()).Length);
        Assert.True(atStop < 1500, $"stop came too late: {atStop} characters");
        await Assertions.Expect(page.Locator("#send")).ToBeVisibleAsync();

        // Compare: the same prompt to vLLM and SGLang, streaming side by side.
        await page.FillAsync("#max-tokens", "24");
        await page.Locator("#max-tokens").PressAsync("Tab");
        await page.ClickAsync("#compare-toggle");
        await page.Locator(".playground-settings .mud-select").Last.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "chat-sglang" }).ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator(".transcript")).ToHaveCountAsync(2);
        await page.FillAsync("#prompt", "In one sentence: why compare inference engines?");
        await page.ClickAsync("#send");
        foreach (var deployment in new[] { "chat-vllm", "chat-sglang" })
        {
            var column = page.Locator($".transcript[data-deployment='{deployment}']");
            await Assertions.Expect(column.Locator(".assistant-bubble[data-status='done'] [data-testid=reply-figures]").Last).ToContainTextAsync("out");
        }

        await BrowserFixture.ScreenshotAsync(page, "playground-compare-light");
        await page.ClickAsync("#view-code");
        await Assertions.Expect(page.Locator("#code-curl")).ToContainTextAsync("/v1/chat/completions");
        await BrowserFixture.ScreenshotAsync(page, "playground-view-code");
        await page.Locator(".mud-dialog-actions button").Filter(new() { HasText = "Close" }).ClickAsync();
        await Assertions.Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);

        await page.ClickAsync("#theme-toggle");
        await page.WaitForFunctionAsync("() => document.body.classList.contains('portal-dark')");
        await BrowserFixture.ScreenshotAsync(page, "playground-compare-dark");

        // The key a program would use for the same calls.
        await page.GotoAsync("settings");
        await PortalPages.WaitForInteractiveAsync(page);
        await page.GetByRole(AriaRole.Tab, new() { Name = "API keys" }).ClickAsync();
        await page.FillAsync("#new-key-name", "notebook");
        await page.ClickAsync("#create-key");
        await Assertions.Expect(page.Locator("#created-key-value")).ToContainTextAsync("ipk_");
        await Assertions.Expect(page.Locator("#api-keys-table")).ToContainTextAsync("notebook");
        await BrowserFixture.ScreenshotAsync(page, "settings-api-keys-dark");
    }

    public async ValueTask DisposeAsync() => await _env.DisposeAsync();
}
