using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Portal.TestSupport;

namespace Portal.E2E;

/// <summary>
/// An operator benchmarks a deployment from the browser: starts a run, watches its progress, reads the result,
/// compares it with a run of another engine (and asks for a recommendation), and exports the run as CSV.
/// </summary>
[Collection(BenchmarkJourneyCollection.Name)]
public sealed class BenchmarkJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private PortalOnSimulator _env = default!;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // Engines slow enough that a step takes seconds, so there is progress to watch.
        _env = await PortalOnSimulator.StartAsync(PortalOnSimulator.FastSimulator with
        {
            TimeToFirstToken = TimeSpan.FromMilliseconds(50),
            InterTokenLatency = TimeSpan.FromMilliseconds(20),
            MaxBatch = 8,
        }, cancellationToken: Ct);
        using var api = _env.ApiClient();
        foreach (var (name, framework) in new[] { ("bench-vllm", "vllm"), ("bench-sglang", "sglang") })
        {
            (await api.PostAsJsonAsync("/api/v1/deployments",
                new { name, @namespace = "default", framework, model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct)).EnsureSuccessStatusCode();
        }

        foreach (var name in new[] { "bench-vllm", "bench-sglang" })
        {
            await _env.WaitForDeploymentAsync(name, d => d.State == "ready", TimeSpan.FromSeconds(60), Ct);
        }
    }

    [Fact]
    public async Task Start_a_run_watch_it_read_the_result_compare_two_runs_and_export_csv()
    {
        // The second run, of SGLang, through the API while the browser starts the first.
        using var api = _env.ApiClient();
        var other = await api.PostAsJsonAsync("/api/v1/benchmarks", new
        {
            deployment = "bench-sglang",
            workload = new { promptTokens = 64, outputTokens = 32 },
            load = new { kind = "concurrency", levels = new[] { 1, 4, 8 } },
            requestsPerLevel = 24,
            maxSecondsPerLevel = 3,
        }, Ct);
        var otherId = (string)(await other.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!;

        var page = await browser.NewPageAsync(_env.Portal.BaseAddress);
        await PortalPages.SignInAsync(page, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        await page.GotoAsync("benchmarks/new?deployment=bench-vllm");
        await PortalPages.WaitForInteractiveAsync(page);
        await page.FillAsync("#run-prompt-tokens", "64");
        await page.FillAsync("#run-output-tokens", "32");
        await page.FillAsync("#run-levels", "1, 4, 8");
        await page.FillAsync("#run-requests", "24");
        await page.FillAsync("#run-max-seconds", "3");
        await page.Locator("#run-requests").PressAsync("Tab");
        // A bad level first: the error shows next to the field and nothing starts.
        await page.FillAsync("#run-levels", "1, 0, 8");
        await page.Locator("#run-levels").PressAsync("Tab");
        await page.ClickAsync("#start-run");
        await Assertions.Expect(page.Locator(".mud-input-helper-text.mud-input-error").Filter(new() { HasText = "greater than zero" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "benchmark-new-run-error");
        await page.FillAsync("#run-levels", "1, 4, 8");
        await page.Locator("#run-levels").PressAsync("Tab");
        await page.WaitForTimeoutAsync(400);
        await page.ClickAsync("#start-run");

        // The run page: progress moves while it runs.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/benchmarks/[0-9a-f]{8}-[0-9a-f-]{27}$"));
        var runId = page.Url.Split('/').Last();
        await Assertions.Expect(page.Locator("#run-progress")).ToBeVisibleAsync();
        var seen = new HashSet<string>();
        for (var i = 0; i < 60 && seen.Count < 3 && await page.Locator("#progress-figures").CountAsync() > 0; i++)
        {
            seen.Add(await page.Locator("#progress-figures").InnerTextAsync());
            await Task.Delay(250, Ct);
        }

        Assert.True(seen.Count >= 3, $"the progress did not move: {string.Join(" | ", seen)}");
        await BrowserFixture.ScreenshotAsync(page, "benchmark-run-progress");

        // The result: state, charts and one table row per step.
        await Assertions.Expect(page.Locator("#run-state")).ToHaveTextAsync("succeeded", new() { Timeout = 90_000 });
        await Assertions.Expect(page.Locator("#steps-table tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#chart-ttft .main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#chart-throughput .main-svg").First).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "benchmark-run-result");

        // Export CSV, parsed: one row per step with the figures the table shows.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-csv"));
        var csv = await File.ReadAllLinesAsync(await download.PathAsync(), Ct);
        var header = csv[0].Split(',');
        var rows = csv.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        Assert.Equal(3, rows.Count);
        string Cell(string[] row, string column) => row[Array.IndexOf(header, column)];
        Assert.All(rows, r => Assert.Equal("vllm", Cell(r, "engine")));
        Assert.Equal(["1", "4", "8"], rows.Select(r => Cell(r, "level")));
        Assert.All(rows, r => Assert.True(double.Parse(Cell(r, "p95_ttft_ms"), CultureInfo.InvariantCulture) > 0));
        var firstRate = double.Parse(Cell(rows[0], "request_throughput"), CultureInfo.InvariantCulture);
        Assert.True(double.Parse(Cell(rows[2], "request_throughput"), CultureInfo.InvariantCulture) > 3 * firstRate);
        var shown = await page.Locator("#steps-table tbody tr").First.Locator("td").Nth(4).InnerTextAsync();
        // The table shows one decimal (none from 100 up): within half of its last digit of the export's figure.
        Assert.Equal(firstRate, double.Parse(shown, CultureInfo.InvariantCulture), tolerance: (firstRate >= 100 ? 0.5 : 0.05) + 1e-9);

        // Compare the two runs, with a recommendation.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while ((string)(await api.GetFromJsonAsync<JsonObject>($"/api/v1/benchmarks/{otherId}", Ct))!["state"]! != "succeeded")
        {
            Assert.True(DateTime.UtcNow < deadline, "the SGLang run did not finish");
            await Task.Delay(200, Ct);
        }

        await page.GotoAsync("benchmarks");
        await PortalPages.WaitForInteractiveAsync(page);
        await page.Locator($"tr[data-run='{runId}'] input[type=checkbox]").CheckAsync();
        await page.Locator($"tr[data-run='{otherId}'] input[type=checkbox]").CheckAsync();
        await BrowserFixture.ScreenshotAsync(page, "benchmark-list");
        await page.ClickAsync("#compare-button");
        await page.WaitForURLAsync("**/benchmarks/compare?runs=*");
        await PortalPages.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("#compare-table thead th")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#compare-table td.best").First).ToBeVisibleAsync();
        await page.FillAsync("#slo-ttft", "300ms");
        await page.FillAsync("#slo-target", "20 req/s");
        await page.Locator("#slo-target").PressAsync("Tab");
        await page.ClickAsync("#recommend-button");
        await Assertions.Expect(page.Locator("#recommendation")).ToContainTextAsync("20 req/s within p95 TTFT ≤ 300 ms");
        await Assertions.Expect(page.Locator("#chart-ttft .main-svg").First).ToBeVisibleAsync();
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await BrowserFixture.ScreenshotAsync(page, "benchmark-compare");

        // Deploy this: the wizard opens at its review with the measured configuration and the replicas it takes.
        await page.ClickAsync("#deploy-this");
        await page.WaitForURLAsync("**/deployments/new");
        await PortalPages.WaitForInteractiveAsync(page);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Qwen/Qwen2.5-0.5B-Instruct");
        await BrowserFixture.ScreenshotAsync(page, "benchmark-deploy-this-wizard");
    }

    public async ValueTask DisposeAsync() => await _env.DisposeAsync();
}

/// <summary>The journey runs load for a minute: by itself, so the other journeys' probes and timings are not starved.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchmarkJourneyCollection
{
    public const string Name = "benchmark-journey";
}
