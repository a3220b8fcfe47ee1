using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using Microsoft.Playwright;
using Portal.Domain.Manifests;
using Portal.Reliability.Support;
using Portal.Simulator;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>
/// The portal process killed with SIGKILL while 20 deploys are in flight (in-memory job storage: the queued and
/// running jobs die with it). After a restart on the same SQLite file every deployment is Ready within two reconcile
/// intervals, no object was applied twice in a way that changed it, and one engine pod that crash-loops meanwhile is
/// shown on its page as CrashLoopBackOff with its container's last lines and restart count.
/// </summary>
public sealed class CrashTests(Chromium chromium) : IClassFixture<Chromium>
{
    private const int Deploys = 20;
    private const string Looper = "crash-07";
    private static readonly TimeSpan ReconcileInterval = TimeSpan.FromSeconds(5);
    private static readonly string[] CrashLines =
    [
        "INFO 12-03 10:00:01 [api_server.py:1090] vLLM API server version 0.33.0",
        "ERROR 12-03 10:00:04 [core.py:396] EngineCore failed to start.",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.19 GiB of which 1.06 GiB is free.",
    ];

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Topology.All), MemberType = typeof(Topology))]
    public async Task Twenty_deploys_in_flight_survive_a_sigkill_and_a_crash_looping_pod_shows_why(string topology)
    {
        _ = Topology.Named(topology);
        await using var cluster = await SimulatedCluster.StartAsync(PortalOnSimulator.FastSimulator with
        {
            Nodes = 3,
            GpusPerNode = 8,
            CrashLoopBackOffBase = TimeSpan.FromMilliseconds(200),
            CrashLoopBackOffMax = TimeSpan.FromSeconds(2),
        }, Ct);
        using var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath));
        var settings = PortalOnSimulator.SettingsFor(cluster);
        settings["ConnectionStrings:Portal"] = $"Data Source={PortalAppFactory.NewDatabasePath()}";
        settings["Auth:BootstrapAdmin:Email"] = PortalAppFactory.AdminEmail;
        settings["Auth:BootstrapAdmin:Password"] = PortalAppFactory.AdminPassword;
        settings["Reconcile:Interval"] = "00:00:05";
        settings["Hangfire:WorkerCount"] = "4";
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information";

        var first = await PortalProcess.StartAsync(settings, Ct);
        var names = Enumerable.Range(0, Deploys).Select(i => $"crash-{i:00}").ToList();
        cluster.Faults.CrashLoop("default", $"{Looper}-0", CrashLines);
        cluster.Faults.AddedLatency = TimeSpan.FromMilliseconds(250); // every API answer slower: the jobs are still running at the kill
        using (var api = Client(first.BaseAddress))
        {
            foreach (var name in names)
            {
                (await api.PostAsJsonAsync("/api/v1/deployments",
                    new { name, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct)).EnsureSuccessStatusCode();
            }
        }

        // Kill once the first few StatefulSets are applied and the rest are queued or half-way.
        var applied = await WaitAsync(async () => (await kube.AppsV1.ListNamespacedStatefulSetAsync("default", cancellationToken: Ct)).Items, sets => sets.Count >= 3, TimeSpan.FromSeconds(60));
        var openAtKill = 0;
        using (var api = Client(first.BaseAddress))
        {
            foreach (var name in names)
            {
                var operations = await api.GetFromJsonAsync<JsonElement[]>($"/api/v1/deployments/{name}/operations", Ct);
                openAtKill += operations!.Count(o => o.GetProperty("outcome").GetString() is "pending" or "running");
            }
        }

        first.Kill();
        cluster.Faults.AddedLatency = TimeSpan.Zero;
        var setsAtKill = (await kube.AppsV1.ListNamespacedStatefulSetAsync("default", cancellationToken: Ct)).Items.ToDictionary(s => s.Metadata.Name, s => s.Metadata.Uid);
        var podsAtKill = (await kube.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct)).Items.ToDictionary(p => p.Metadata.Name, p => p.Metadata.Uid);
        await first.DisposeAsync();

        var restartClock = Stopwatch.StartNew();
        await using var second = await PortalProcess.StartAsync(settings, Ct);
        var startup = restartClock.Elapsed;
        restartClock.Restart();
        using var client = Client(second.BaseAddress);
        var healthy = names.Where(n => n != Looper).ToList();
        await WaitAsync(() => ReadyAsync(client), ready => healthy.All(ready.Contains), TimeSpan.FromSeconds(60));
        var recovered = restartClock.Elapsed;

        // The crash-looping one: CrashLoopBackOff, its last lines and restarts on its page.
        await WaitAsync(async () => (await kube.CoreV1.ReadNamespacedPodAsync($"{Looper}-0", "default", cancellationToken: Ct)).Status?.ContainerStatuses?.FirstOrDefault(),
            c => c?.State?.Waiting?.Reason == "CrashLoopBackOff" && c.RestartCount >= 2, TimeSpan.FromSeconds(30));
        var page = (await chromium.NewPageAsync(second.BaseAddress)).Page;
        await page.GotoAsync("account/login");
        await page.FillAsync("#email", PortalAppFactory.AdminEmail);
        await page.FillAsync("#password", PortalAppFactory.AdminPassword);
        await page.ClickAsync("#sign-in");
        await page.GotoAsync($"deployments/{Looper}");
        var row = page.Locator($"#pods-table tr[data-pod='{Looper}-0']").First;
        await Assertions.Expect(row.Locator(".pod-status")).ToHaveTextAsync("CrashLoopBackOff", new() { Timeout = 30_000 });
        var crashLog = page.Locator($"#pods-table tr.pod-crash-log[data-pod='{Looper}-0']");
        await Assertions.Expect(crashLog).ToContainTextAsync("CUDA out of memory", new() { Timeout = 30_000 });
        var restartsShown = int.Parse(await row.Locator("td.num").First.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        var logText = await crashLog.Locator("pre").InnerTextAsync();
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await Chromium.ScreenshotAsync(page, "crash-loop-deployment-page");

        cluster.Faults.StopCrashLoop("default", $"{Looper}-0");
        await WaitAsync(() => ReadyAsync(client), ready => names.All(ready.Contains), TimeSpan.FromSeconds(60));

        // Nothing applied twice in a way that changed the cluster: the same objects, each at its first generation.
        var sets = (await kube.AppsV1.ListNamespacedStatefulSetAsync("default", cancellationToken: Ct)).Items;
        var setsReplaced = setsAtKill.Count(s => sets.SingleOrDefault(x => x.Metadata.Name == s.Key)?.Metadata.Uid != s.Value);
        var changedTwice = sets.Count(s => s.Metadata.Generation > 1);
        var pods = (await kube.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct)).Items;
        var podsReplaced = podsAtKill.Count(p => pods.SingleOrDefault(x => x.Metadata.Name == p.Key)?.Metadata.Uid != p.Value);
        var duplicates = sets.Count - names.Count;
        var lost = 0;
        foreach (var name in names)
        {
            var operations = await client.GetFromJsonAsync<JsonElement[]>($"/api/v1/deployments/{name}/operations", Ct);
            var deploy = operations!.Where(o => o.GetProperty("kind").GetString() == "deploy").ToList();
            lost += deploy.Count(o => o.GetProperty("outcome").GetString() != "succeeded");
        }

        Figures.Print("crash", $"SIGKILL with {openAtKill}/{Deploys} deploy operations still open ({applied.Count} StatefulSets applied, {podsAtKill.Count} pods at the kill): " +
            $"restarted in {startup.TotalSeconds:0.0} s, then {healthy.Count}/{healthy.Count} healthy ones Ready in {recovered.TotalSeconds:0.0} s (two reconcile intervals: {2 * ReconcileInterval.TotalSeconds:0} s), " +
            $"{Deploys}/{Deploys} once the crash loop ended; lost {lost}, StatefulSets replaced {setsReplaced}, changed twice {changedTwice}, " +
            $"pods replaced {podsReplaced}, duplicates {duplicates}; crash-looping pod: CrashLoopBackOff on its page with {logText.Split('\n').Length} log lines and {restartsShown} restarts");

        Assert.True(openAtKill >= Deploys / 2, $"only {openAtKill} operations were open at the kill");
        Assert.True(recovered <= 2 * ReconcileInterval, $"recovery took {recovered}");
        Assert.Equal(0, lost);
        Assert.Equal(0, setsReplaced);
        Assert.Equal(0, changedTwice);
        Assert.Equal(0, podsReplaced);
        Assert.Equal(0, duplicates);
        Assert.True(restartsShown >= 2, $"the page shows {restartsShown} restarts");
        Assert.Contains(CrashLines[1], logText, StringComparison.Ordinal);
    }

    private static HttpClient Client(Uri address)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PortalOnSimulator.AdminApiKey);
        return client;
    }

    private static async Task<HashSet<string>> ReadyAsync(HttpClient client)
    {
        var all = await client.GetFromJsonAsync<JsonElement[]>("/api/v1/deployments", Ct);
        return all!.Where(d => d.GetProperty("state").GetString() == "ready").Select(d => d.GetProperty("name").GetString()!).ToHashSet();
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T>> read, Func<T, bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (until(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not reached in {timeout}: {JsonSerializer.Serialize(value)[..Math.Min(500, JsonSerializer.Serialize(value).Length)]}");
            }

            await Task.Delay(100, Ct);
        }
    }
}
