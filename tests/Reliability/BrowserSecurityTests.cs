using Microsoft.Playwright;
using Portal.Reliability.Support;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>One monitored portal (a real Prometheus, so the dashboard draws charts) and Chromium, for the tests that need a browser.</summary>
public sealed class BrowserWorld : IAsyncLifetime
{
    public PrometheusMonitoredPortal World { get; private set; } = default!;

    public Chromium Chromium { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Chromium.InitializeAsync();
        World = await PrometheusMonitoredPortal.StartAsync(
            deployments: [new DashboardDeployment("a-vllm", "vllm", "Qwen/Qwen2.5-0.5B-Instruct", "a-vllm-qwen", 1, Loaded: true)],
            streamsPerDeployment: 1);
    }

    public async ValueTask DisposeAsync()
    {
        await World.DisposeAsync();
        await Chromium.DisposeAsync();
    }
}

/// <summary>
/// In Chromium: the Content-Security-Policy lets every page work (no violation reported, charts drawn, a chat
/// streamed), and model output with scripts, event handlers, <c>javascript:</c> links and embedded HTML renders inert.
/// </summary>
public sealed class BrowserSecurityTests(BrowserWorld world) : IClassFixture<BrowserWorld>
{
    private const string HostileReply = """
        Here is the **answer** with `code`.

        <script>window.__pwned = 'script'; alert('script')</script>
        <img src="x" onerror="window.__pwned = 'img'; alert('img')">
        <svg onload="window.__pwned = 'svg'; alert('svg')"><circle r="5"/></svg>
        <iframe src="javascript:alert('iframe')"></iframe>
        <details open ontoggle="window.__pwned = 'details'; alert('details')"><summary>more</summary>hidden</details>
        <a href="javascript:window.__pwned='html-link';alert('html-link')" id="html-link">an HTML link</a>
        <form action="javascript:alert('form')"><button id="form-button">submit</button></form>
        <div style="background:url(javascript:alert('style'))" onclick="alert('div')">styled</div>

        [a Markdown link](javascript:window.__pwned='md-link';alert('md-link')) and ![an image](javascript:alert('md-img'))
        [data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
        """;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_content_security_policy_lets_every_page_work_and_reports_no_violation()
    {
        var watched = await world.Chromium.NewPageAsync(world.World.Portal.BaseAddress);
        var page = watched.Page;
        await watched.SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        var visited = new List<string>();
        foreach (var path in new[] { "deployments", "deployments/a-vllm", "deployments/new", "settings", "playground?deployment=a-vllm", "dashboard" })
        {
            await page.GotoAsync(path);
            await watched.WaitForInteractiveAsync();
            visited.Add(path);
        }

        // The dashboard's charts: Plotly drew SVG with points.
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.js-plotly-plot')].filter(d => d.data && d.data.some(t => (t.y || t.z || []).length > 0)).length >= 2",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        var charts = await page.EvaluateAsync<int>("() => document.querySelectorAll('.js-plotly-plot .main-svg').length");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await Chromium.ScreenshotAsync(page, "csp-dashboard");

        // A chat through the playground (the circuit, JS interop and streaming all under the policy).
        await page.GotoAsync("playground?deployment=a-vllm");
        await watched.WaitForInteractiveAsync();
        await page.FillAsync("#prompt", "Say hello.");
        await page.ClickAsync("#send");
        await Assertions.Expect(page.Locator(".assistant-bubble[data-status='done']")).ToHaveCountAsync(1);

        // The two third-party pages (their own, looser script policy).
        foreach (var path in new[] { "jobs", "api/reference" })
        {
            await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            visited.Add(path);
        }

        var response = await page.GotoAsync("deployments");
        var csp = await response!.HeaderValueAsync("content-security-policy");
        Figures.Print("csp", $"{visited.Count + 1} pages under the policy ({string.Join(", ", visited)}, a streamed chat): {watched.CspViolations.Count} CSP violations, " +
            $"{watched.Errors.Count} page errors, {charts} Plotly charts drawn; policy: {csp}");

        Assert.True(watched.CspViolations.Count == 0, string.Join("\n", watched.CspViolations));
        Assert.Empty(watched.Errors);
        Assert.True(charts >= 2, $"{charts} charts drawn");
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Matches("script-src 'self' 'nonce-[^']+';", csp);
    }

    [Fact]
    public async Task Hostile_model_output_renders_inert_in_the_playground()
    {
        world.World.Env.Cluster.Engines.FixedReply = HostileReply;
        try
        {
            var watched = await world.Chromium.NewPageAsync(world.World.Portal.BaseAddress);
            var page = watched.Page;
            await watched.SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
            await page.GotoAsync("playground?deployment=a-vllm");
            await watched.WaitForInteractiveAsync();
            await page.FillAsync("#max-tokens", "400");
            await page.Locator("#max-tokens").PressAsync("Tab");
            await page.FillAsync("#prompt", "Show me some HTML.");
            await page.ClickAsync("#send");
            var reply = page.Locator(".assistant-bubble[data-status='done'] .markdown-body").Last;
            await Assertions.Expect(reply).ToContainTextAsync("a Markdown link", new() { Timeout = 30_000 });

            // Click everything clickable in the reply, as a curious user would.
            foreach (var link in await reply.Locator("a, button, summary, div").AllAsync())
            {
                await link.ClickAsync(new LocatorClickOptions { Timeout = 2_000, Force = true });
            }

            await Task.Delay(500, Ct);
            var pwned = await page.EvaluateAsync<string?>("() => window.__pwned ?? null");
            var dangerous = await reply.EvaluateAsync<string[]>("""
                el => [...el.querySelectorAll('*')].flatMap(n => [
                  ...(['SCRIPT','IFRAME','OBJECT','EMBED','FORM','STYLE'].includes(n.tagName) ? [n.tagName] : []),
                  ...[...n.attributes].filter(a => a.name.startsWith('on') || /^\s*(javascript|data|vbscript):/i.test(a.value)).map(a => `${n.tagName}[${a.name}=${a.value}]`)])
                """);
            await page.EvaluateAsync("() => window.scrollTo(0, 0)");
            await Chromium.ScreenshotAsync(page, "model-output-inert");
            Figures.Print("model output", $"reply with 12 hostile constructs (script, img onerror, svg onload, iframe, details ontoggle, javascript: links in HTML and Markdown, form, style, data: link): " +
                $"{watched.Dialogs.Count} dialogs, script ran: {pwned ?? "no"}, {dangerous.Length} dangerous elements or attributes left in the DOM, {watched.Errors.Count} page errors");

            Assert.Empty(watched.Dialogs);
            Assert.Null(pwned);
            Assert.True(dangerous.Length == 0, string.Join(", ", dangerous));
            Assert.Contains("answer", await reply.Locator("strong").First.InnerTextAsync(), StringComparison.Ordinal); // Markdown still renders
        }
        finally
        {
            world.World.Env.Cluster.Engines.FixedReply = null;
        }
    }
}
