using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Application.Security;

namespace Portal.Tests.Benchmarks;

/// <summary>Runs that end early (cancelled, their deployment deleted) and requests that never start one.</summary>
[Collection(BenchmarkCollection.Name)]
public sealed class BenchmarkLifecycleTests(BenchmarkFixture fixture)
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private static object Body(string deployment, int steps, int requests) => new
    {
        deployment,
        workload = new { promptTokens = 32, outputTokens = 32 },
        load = new { kind = "concurrency", levels = Enumerable.Repeat(4, steps).ToArray() },
        requestsPerLevel = requests,
    };

    [Fact]
    public async Task A_run_cancelled_midway_stops_sending_within_a_second_and_keeps_its_finished_steps()
    {
        var id = await fixture.StartAsync(Body(BenchmarkFixture.Vllm, steps: 3, requests: 12));
        // In the second step, with requests of it in flight.
        await fixture.WaitAsync(id, r => r["steps"]!.AsArray().Count == 1 && (int?)r["progress"]?["step"] == 2 && (int?)r["progress"]?["stepDone"] >= 2);
        var engine = fixture.PodOf(BenchmarkFixture.Vllm).DestinationPrefix + "/metrics";
        using var http = new HttpClient();
        Assert.True(await InEngineAsync(http, engine) > 0, "nothing was in the engine when the run was cancelled");

        using var api = fixture.Env.ApiClient();
        var cancelled = await api.DeleteAsync($"/api/v1/benchmarks/{id}", Ct);
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        var at = DateTime.UtcNow;

        // Within a second the engine has nothing running or waiting, and it stays so: nothing more is sent.
        while (await InEngineAsync(http, engine) > 0)
        {
            Assert.True(DateTime.UtcNow - at < TimeSpan.FromSeconds(1), "the engine still had benchmark requests a second after the cancel");
            await Task.Delay(20, Ct);
        }

        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(100, Ct);
            Assert.Equal(0, await InEngineAsync(http, engine));
        }

        var run = await fixture.WaitFinishedAsync(id);
        Assert.Equal("cancelled", (string)run["state"]!);
        Assert.Single(run["steps"]!.AsArray());
        Assert.Equal(12, (int)run["steps"]![0]!["completed"]!);
        Assert.Contains("Cancelled after 1 of 3 steps", (string)run["reason"]!);
        Assert.Equal(HttpStatusCode.Conflict, (await api.DeleteAsync($"/api/v1/benchmarks/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_deployment_deleted_mid_run_ends_the_run_as_failed_with_the_reason()
    {
        using var api = fixture.Env.ApiClient();
        await fixture.CreateAsync(api, new { name = "bench-doomed", @namespace = "default", framework = "vllm", model = BenchmarkFixture.Model, replicas = 1, gpusPerReplica = 1 });
        await fixture.WaitReadyAsync("bench-doomed");
        var id = await fixture.StartAsync(Body("bench-doomed", steps: 3, requests: 12));
        await fixture.WaitAsync(id, r => r["steps"]!.AsArray().Count == 1 && (int?)r["progress"]?["step"] == 2 && (int?)r["progress"]?["stepDone"] >= 1);

        Assert.Equal(HttpStatusCode.Accepted, (await api.DeleteAsync("/api/v1/deployments/bench-doomed", Ct)).StatusCode);
        var run = await fixture.WaitFinishedAsync(id);
        Assert.Equal("failed", (string)run["state"]!);
        Assert.Equal("The deployment 'bench-doomed' was deleted during the run (in step 2 of 3); the 1 finished step is kept.", (string)run["reason"]!);
        Assert.Single(run["steps"]!.AsArray());
    }

    [Fact]
    public async Task Bad_input_gets_field_errors_and_creates_no_run()
    {
        using var api = fixture.Env.ApiClient();
        var before = (await api.GetFromJsonAsync<JsonArray>("/api/v1/benchmarks", Ct))!.Count;
        await fixture.CreateAsync(api, new { name = "bench-stopped", @namespace = "default", framework = "vllm", model = BenchmarkFixture.Model, replicas = 1, gpusPerReplica = 1 });
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsync("/api/v1/deployments/bench-stopped/stop", null, Ct)).StatusCode);

        await AssertFieldErrorsAsync(api, new
        {
            deployment = BenchmarkFixture.Vllm,
            workload = new { promptTokens = 64, outputTokens = 32 },
            load = new { kind = "rate", levels = new[] { 4.0, 0, -2 } },
            requestsPerLevel = 0,
        }, ("load.levels[1]", "greater than zero"), ("load.levels[2]", "-2 is not"), ("requestsPerLevel", "from 1"));
        await AssertFieldErrorsAsync(api, new
        {
            deployment = BenchmarkFixture.Vllm,
            workload = new { promptTokens = 64, outputTokens = 32 },
            load = new { kind = "sweep" },
            slo = new { ttftP95 = "500", itlP95 = "fast" },
        }, ("slo.ttftP95", "'500' has no unit"), ("slo.itlP95", "not a duration"));
        await AssertFieldErrorsAsync(api, new
        {
            deployment = "bench-stopped",
            workload = new { promptTokens = 64, outputTokens = 32 },
            load = new { kind = "concurrency", levels = new[] { 1 } },
        }, ("deployment", "is stopped, not ready"));
        await AssertFieldErrorsAsync(api, new { deployment = BenchmarkFixture.Vllm, workload = new { promptTokens = 64 }, load = new { kind = "fastest" } }, ("load.kind", "Not valid here"));
        var recommendation = await api.PostAsJsonAsync("/api/v1/benchmarks/recommendation", new { runs = Array.Empty<Guid>(), slo = new { ttftP95 = "300", target = "20" } }, Ct);
        var problem = await recommendation.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal(HttpStatusCode.BadRequest, recommendation.StatusCode);
        Assert.Contains("has no unit", (string)problem!["errors"]!["slo.ttftP95"]![0]!);
        Assert.Contains("req/s or 20 tok/s", (string)problem["errors"]!["slo.target"]![0]!);

        // A Viewer reads runs but starts none.
        using var viewer = fixture.Env.ApiClient(await fixture.KeyForAsync("bench-viewer@portal.test", PortalRoles.Viewer));
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/benchmarks", Ct)).StatusCode);
        var forbidden = await viewer.PostAsJsonAsync("/api/v1/benchmarks", new
        {
            deployment = BenchmarkFixture.Vllm,
            workload = new { promptTokens = 64, outputTokens = 32 },
            load = new { kind = "concurrency", levels = new[] { 1 } },
        }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        Assert.Equal(before, (await api.GetFromJsonAsync<JsonArray>("/api/v1/benchmarks", Ct))!.Count);
        await api.DeleteAsync("/api/v1/deployments/bench-stopped", Ct);
    }

    private static async Task AssertFieldErrorsAsync(HttpClient api, object body, params (string Field, string Says)[] expected)
    {
        var response = await api.PostAsJsonAsync("/api/v1/benchmarks", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        foreach (var (field, says) in expected)
        {
            Assert.True(errors[field] is JsonArray { Count: > 0 } messages && ((string)messages[0]!).Contains(says, StringComparison.Ordinal),
                $"expected an error on {field} saying '{says}'; got {text}");
        }
    }

    /// <summary>Requests running or waiting in the engine, from its own /metrics.</summary>
    private static async Task<double> InEngineAsync(HttpClient http, string metrics)
    {
        var text = await http.GetStringAsync(metrics, Ct);
        return text.Split('\n')
            .Where(l => l.StartsWith("vllm:num_requests_running", StringComparison.Ordinal) || l.StartsWith("vllm:num_requests_waiting", StringComparison.Ordinal))
            .Where(l => l.Length > 0 && !l.StartsWith("vllm:num_requests_waiting_by_reason", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
