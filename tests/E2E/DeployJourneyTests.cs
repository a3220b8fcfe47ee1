using System.Diagnostics;
using System.Net.Http.Json;
using k8s;
using k8s.Autorest;
using Microsoft.Playwright;
using Portal.Domain.Deployments;
using Portal.TestSupport;

namespace Portal.E2E;

/// <summary>A portal wired to a simulated GPU cluster (2 nodes × 8 H100), shared by the deploy journeys.</summary>
public sealed class DeployJourneyFixture : IAsyncLifetime
{
    public PortalOnSimulator Portal { get; private set; } = default!;

    public IKubernetes Cluster { get; private set; } = default!;

    public async ValueTask InitializeAsync()
    {
        // Model loads and pulls long enough to see "deploying" and a moving pull bar, short enough for CI.
        Portal = await PortalOnSimulator.StartAsync(PortalOnSimulator.FastSimulator with
        {
            ModelLoadTime = TimeSpan.FromMilliseconds(1500),
            OllamaPullDuration = TimeSpan.FromSeconds(3),
        });
        Cluster = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Portal.Cluster.KubeconfigPath));
    }

    public async ValueTask DisposeAsync()
    {
        Cluster.Dispose();
        await Portal.DisposeAsync();
    }
}

public sealed class DeployJourneyTests(BrowserFixture browser, DeployJourneyFixture fixture)
    : IClassFixture<BrowserFixture>, IClassFixture<DeployJourneyFixture>
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Operator_deploys_vllm_through_the_wizard_sees_it_ready_live_scales_to_two_and_deletes_it()
    {
        var page = await SignedInPageAsync();
        await page.GotoAsync("deployments");
        await page.ClickAsync("#deploy-button");
        await page.WaitForURLAsync("**/deployments/new");
        await PortalPages.WaitForInteractiveAsync(page);

        // 1 Framework
        await Expect(page.Locator("#framework-vllm")).ToBeVisibleAsync();
        await ShotAsync(page, "wizard-1-framework-light");
        await page.ClickAsync("#framework-vllm");
        await Expect(page.Locator("#framework-vllm")).ToHaveAttributeAsync("aria-pressed", "true");
        await NextAsync(page, "Model");

        // 2 Model: pick from the catalog, then name it
        await page.FillAsync("#catalog-search", "qwen2.5 0.5b");
        await Expect(page.Locator("#catalog-table tbody tr[data-model]")).ToHaveCountAsync(1);
        await page.ClickAsync("tr[data-model='Qwen/Qwen2.5-0.5B-Instruct'] button");
        await Expect(page.Locator("#model-id")).ToHaveValueAsync("Qwen/Qwen2.5-0.5B-Instruct");
        await Expect(page.Locator("#deployment-name")).ToHaveValueAsync("qwen2-5-0-5b-instruct");
        await page.FillAsync("#deployment-name", "chat-qwen");
        await page.Keyboard.PressAsync("Tab");
        await ShotAsync(page, "wizard-2-model-light");
        await NextAsync(page, "Resources");

        // 3 Resources: the memory bar says it fits on one H100
        await Expect(page.Locator("#memory-estimate")).ToHaveAttributeAsync("data-fits", "true");
        await Expect(page.Locator("#cluster-capacity")).ToContainTextAsync("16 of 16 GPUs free");
        await ShotAsync(page, "wizard-3-resources-light");
        await NextAsync(page, "Scaling & access");

        // 4 Scaling & access
        await Expect(page.Locator("#replicas")).ToHaveValueAsync("1");
        await ShotAsync(page, "wizard-4-scaling-light");
        await NextAsync(page, "Advanced");

        // 5 Advanced: one extra argument, checked on its row
        await page.ClickAsync("#add-extra-arg");
        await page.FillAsync("#extra-arg-0", "--enable-prefix-caching");
        await page.Keyboard.PressAsync("Tab");
        await ShotAsync(page, "wizard-5-advanced-light");
        await NextAsync(page, "Review");

        // 6 Review: the YAML holds what was chosen
        await Expect(page.Locator("#review-yaml")).ToContainTextAsync("--enable-prefix-caching");
        await Expect(page.Locator("#review-summary")).ToContainTextAsync("Qwen/Qwen2.5-0.5B-Instruct");
        await ShotAsync(page, "wizard-6-review-light");

        // Deploy: the click reaches the cluster (the job has applied the StatefulSet) promptly. This is the portal's
        // first deploy (its code runs for the first time), in Debug, often beside other test projects: the figure is
        // printed, the under-a-second target is met in the deploy-latency benchmark (first and warm deploys).
        var clock = Stopwatch.StartNew();
        var applied = WaitForClusterAsync(() => fixture.Cluster.AppsV1.ReadNamespacedStatefulSetAsync("chat-qwen", "default", cancellationToken: Ct), clock);
        var podReady = WaitForPodReadyAsync("chat-qwen-0", clock);
        await page.ClickAsync("#wizard-deploy");
        var reachedCluster = await applied.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await page.WaitForURLAsync("**/deployments/chat-qwen");
        Assert.True(reachedCluster < TimeSpan.FromSeconds(5), $"the deploy click reached the cluster after {reachedCluster.TotalMilliseconds:0} ms");

        // Ready shows without a reload, within 2 s of the simulator marking the pod ready.
        await Expect(HeaderState(page)).ToHaveAttributeAsync("data-state", "deploying", new() { Timeout = 5_000 });
        await ShotAsync(page, "deployment-deploying-light");
        await Expect(HeaderState(page)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 15_000 });
        var pageReady = clock.Elapsed;
        var podReadyAt = await podReady;
        var lag = pageReady - podReadyAt;
        Console.WriteLine($"[measure] deploy click -> StatefulSet on the cluster: {reachedCluster.TotalMilliseconds:0} ms");
        Console.WriteLine($"[measure] pod ready on the cluster -> page shows Ready: {lag.TotalMilliseconds:0} ms");
        Assert.True(lag < TimeSpan.FromSeconds(2), $"the page showed Ready {lag.TotalMilliseconds:0} ms after the pod became ready");

        await Expect(page.Locator("#replicas")).ToContainTextAsync("1 / 1 ready");
        await Expect(page.Locator("#endpoint-url")).ToHaveTextAsync(fixture.Portal.Portal.BaseAddress.ToString().TrimEnd('/') + "/v1");
        await Expect(page.Locator("#served-model")).ToHaveTextAsync("Qwen/Qwen2.5-0.5B-Instruct");
        await Expect(page.Locator("#open-playground")).ToHaveAttributeAsync("href", "playground?deployment=chat-qwen");
        await Expect(page.Locator("#pods-table tr[data-pod='chat-qwen-0']")).ToContainTextAsync("1 × NVIDIA-H100-80GB-HBM3");
        await ShotAsync(page, "deployment-ready-light");

        // Scale to 2 with the dialog: two ready pods appear without a reload.
        await page.ClickAsync("#action-scale");
        await page.FillAsync("#scale-replicas", "2");
        await page.ClickAsync("#scale-confirm");
        await Expect(page.Locator("#pods-table tr[data-pod][data-ready='true']")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await Expect(page.Locator("#replicas")).ToContainTextAsync("2 / 2 ready");
        await ShotAsync(page, "deployment-scaled-light");

        // The other tabs: the audit log with the Hangfire job link (Admin), events, logs, manifests.
        await Tab(page, "Operations").ClickAsync();
        await Expect(page.Locator("#operations-timeline li[data-kind='scale']")).ToContainTextAsync("Scale to 2 replicas");
        await Expect(page.Locator("#operations-timeline li[data-kind='deploy'] .job-link")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("^jobs/jobs/details/"));
        await Expect(page.Locator("#operations-timeline li[data-kind='deploy']")).ToContainTextAsync(PortalAppFactory.AdminEmail);
        await ShotAsync(page, "deployment-operations-light");
        await Tab(page, "Events").ClickAsync();
        await Expect(page.Locator("#events-table")).ToContainTextAsync("Scheduled");
        await Tab(page, "Logs").ClickAsync();
        await Expect(page.Locator("#log-view")).Not.ToBeEmptyAsync();
        await page.ClickAsync("#logs-follow");
        await Expect(page.Locator("#logs-tab")).ToContainTextAsync("following");
        await Expect(page.Locator("#log-view")).ToContainTextAsync("vLLM API server");
        await ShotAsync(page, "deployment-logs-light");
        await Tab(page, "Manifests").ClickAsync();
        await Expect(page.Locator("#manifests-yaml")).ToContainTextAsync("kind: StatefulSet");
        await Expect(page.Locator("#manifests-yaml")).ToContainTextAsync("replicas: 2");

        // Delete with the typed name, keeping the model cache: the page says it is gone, without a reload.
        await page.ClickAsync("#action-delete");
        await Expect(page.Locator("#delete-confirm")).ToBeDisabledAsync();
        await page.FillAsync("#delete-confirm-name", "chat-qwen");
        await page.ClickAsync("#delete-confirm");
        await Expect(page.Locator("#deployment-missing")).ToContainTextAsync("chat-qwen was deleted", new() { Timeout = 15_000 });
        var claims = await fixture.Cluster.CoreV1.ListNamespacedPersistentVolumeClaimAsync("default", cancellationToken: Ct);
        Assert.Contains(claims.Items, c => c.Metadata.Name == "model-cache-chat-qwen-0");
    }

    [Fact]
    public async Task Ollama_deploy_shows_the_model_pull_progress_up_to_100_percent_in_dark_mode()
    {
        var page = await SignedInPageAsync();
        await page.ClickAsync("#theme-toggle");
        await page.WaitForFunctionAsync("() => document.body.classList.contains('portal-dark')");
        await page.GotoAsync("deployments/new");
        await PortalPages.WaitForInteractiveAsync(page);

        await page.ClickAsync("#framework-ollama");
        await Expect(page.Locator("#framework-ollama")).ToHaveAttributeAsync("aria-pressed", "true");
        await ShotAsync(page, "wizard-1-framework-dark");
        await NextAsync(page, "Model");
        await page.FillAsync("#catalog-search", "qwen2.5:1.5b");
        await Expect(page.Locator("#catalog-table tbody tr[data-model]")).ToHaveCountAsync(1);
        await page.ClickAsync("tr[data-model='qwen2.5:1.5b'] button");
        await Expect(page.Locator("#deployment-name")).ToHaveValueAsync("qwen2-5-1-5b");
        await ShotAsync(page, "wizard-2-model-dark");
        await NextAsync(page, "Resources");
        await Expect(page.Locator("#memory-estimate")).ToHaveAttributeAsync("data-fits", "true");
        await ShotAsync(page, "wizard-3-resources-dark");
        await NextAsync(page, "Scaling & access");
        await NextAsync(page, "Advanced");
        await NextAsync(page, "Review");
        await ShotAsync(page, "wizard-6-review-dark");
        await page.ClickAsync("#wizard-deploy");
        await page.WaitForURLAsync("**/deployments/qwen2-5-1-5b");

        // The bar appears while the pull streams, and ends at 100 % with the model pulled.
        await Expect(page.Locator("#pull-progress")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var firstSeen = double.Parse(await page.Locator("#pull-progress").GetAttributeAsync("data-percent") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        await ShotAsync(page, "deployment-ollama-pulling-dark");
        await Expect(page.Locator("#pull-percent")).ToHaveTextAsync("100 %", new() { Timeout = 15_000 });
        await Expect(page.Locator("#pull-progress")).ToContainTextAsync("Model pulled");
        await Expect(HeaderState(page)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 10_000 });
        Console.WriteLine($"[measure] pull progress first seen at {firstSeen} %");
        Assert.True(firstSeen < 100, "the pull was already over when the page first showed it; nothing was seen moving");
        await ShotAsync(page, "deployment-ollama-pulled-dark");

        // Back on the list: the row is Ready, live.
        await page.Locator(".mud-navmenu").GetByText("Deployments", new() { Exact = true }).ClickAsync();
        await Expect(page.Locator("#deployments-grid tbody tr", new() { HasText = "qwen2-5-1-5b" }).Locator(".portal-state-chip"))
            .ToHaveAttributeAsync("data-state", "ready");
        await ShotAsync(page, "deployments-list-dark");
        await DeleteThroughApiAsync("qwen2-5-1-5b");
    }

    [Fact]
    public async Task An_impossible_gpu_request_is_warned_in_the_wizard_and_forced_through_the_api_shows_failed_scheduling()
    {
        var page = await SignedInPageAsync();
        await page.GotoAsync("deployments/new");
        await PortalPages.WaitForInteractiveAsync(page);
        await page.ClickAsync("#framework-vllm");
        await NextAsync(page, "Model");
        await page.FillAsync("#model-id", "Qwen/Qwen2.5-72B-Instruct");
        await page.Keyboard.PressAsync("Tab");
        await NextAsync(page, "Resources");

        // One H100 cannot hold a 72B model: red bar, the reason, and a suggested count.
        await Expect(page.Locator("#memory-estimate")).ToHaveAttributeAsync("data-fits", "false");
        await Expect(page.Locator("#memory-warning")).ToContainTextAsync("4 GPUs per replica would fit");
        await ShotAsync(page, "wizard-3-resources-no-fit-light");
        await page.ClickAsync("#use-suggested-gpus");
        await Expect(page.Locator("#memory-estimate")).ToHaveAttributeAsync("data-fits", "true");
        await page.FillAsync("#gpus-per-replica", "8");
        await page.Keyboard.PressAsync("Tab");
        await NextAsync(page, "Scaling & access");

        // Three replicas of 8 GPUs on two 8-GPU nodes: the wizard says it can never all run.
        await page.FillAsync("#replicas", "3");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#capacity-warning")).ToHaveAttributeAsync("data-severity", "impossible");
        await Expect(page.Locator("#capacity-warning")).ToContainTextAsync("room for 2 replicas of 8 GPUs");
        await ShotAsync(page, "wizard-4-scaling-impossible-light");
        await NextAsync(page, "Advanced");
        await NextAsync(page, "Review");
        await Expect(page.Locator("#wizard-deploy")).ToBeDisabledAsync();
        await Expect(page.Locator("#acknowledge-capacity")).ToBeVisibleAsync();

        // Forced through the API (which only validates the spec), the third pod stays Pending and the page says why.
        using var api = fixture.Portal.ApiClient();
        var response = await api.PostAsJsonAsync("/api/v1/deployments", new
        {
            name = "too-big",
            framework = "vllm",
            model = "Qwen/Qwen2.5-72B-Instruct",
            gpusPerReplica = 8,
            replicas = 3,
        }, PortalJson.Options, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        await page.GotoAsync("deployments/too-big");
        await PortalPages.WaitForInteractiveAsync(page);
        await Expect(page.Locator("#last-event")).ToContainTextAsync("FailedScheduling", new() { Timeout = 15_000 });
        await Expect(page.Locator("#last-event")).ToContainTextAsync("Insufficient nvidia.com/gpu");
        await Expect(page.Locator("#pods-table tr[data-pod='too-big-2']")).ToContainTextAsync("Unschedulable");
        await ShotAsync(page, "deployment-failed-scheduling-light");
        await page.ClickAsync("#theme-toggle");
        await page.WaitForFunctionAsync("() => document.body.classList.contains('portal-dark')");
        await ShotAsync(page, "deployment-failed-scheduling-dark");
        await DeleteThroughApiAsync("too-big");
    }

    private async Task<IPage> SignedInPageAsync()
    {
        var page = await browser.NewPageAsync(fixture.Portal.Portal.BaseAddress);
        await PortalPages.SignInAsync(page, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        return page;
    }

    private static async Task NextAsync(IPage page, string title)
    {
        await page.ClickAsync("#wizard-next");
        await Expect(page.Locator("#wizard-step-title")).ToHaveTextAsync(title);
    }

    /// <summary>A full-page screenshot from the top (the app bar is fixed: scrolled pages would show it mid-page).</summary>
    private static async Task ShotAsync(IPage page, string name)
    {
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await BrowserFixture.ScreenshotAsync(page, name);
    }

    private static ILocator HeaderState(IPage page) => page.Locator("#deployment-header .portal-state-chip");

    private static ILocator Tab(IPage page, string name) => page.GetByRole(AriaRole.Tab, new() { Name = name });

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    /// <summary>Polls every 10 ms until the call stops answering 404; returns when (on <paramref name="clock"/>) the object exists.</summary>
    private static async Task<TimeSpan> WaitForClusterAsync<T>(Func<Task<T>> read, Stopwatch clock)
    {
        while (true)
        {
            try
            {
                await read();
                return clock.Elapsed;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                await Task.Delay(10, Ct);
            }
        }
    }

    /// <summary>When (on <paramref name="clock"/>) the simulator first reports the pod Ready, polled every 10 ms.</summary>
    private async Task<TimeSpan> WaitForPodReadyAsync(string pod, Stopwatch clock)
    {
        while (true)
        {
            try
            {
                var read = await fixture.Cluster.CoreV1.ReadNamespacedPodAsync(pod, "default", cancellationToken: Ct);
                if (read.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                {
                    return clock.Elapsed;
                }
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }

            await Task.Delay(10, Ct);
        }
    }

    private async Task DeleteThroughApiAsync(string name)
    {
        using var api = fixture.Portal.ApiClient();
        var response = await api.DeleteAsync($"/api/v1/deployments/{name}?deleteModelCache=true", Ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }
}
