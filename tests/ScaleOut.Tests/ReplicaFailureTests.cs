using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Portal.TestSupport;

namespace Portal.ScaleOut.Tests;

/// <summary>A replica dies by SIGKILL in the middle of the work: the other one finishes all of it.</summary>
[Collection(ReplicaCollection.Name)]
public sealed class ReplicaFailureTests(PostgreSqlServer postgres)
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deploys_in_flight_on_a_killed_replica_reach_ready_through_the_other_within_two_reconcile_intervals()
    {
        // Recovery takes the dead replica's job claims expiring (Hangfire:InvisibilityTimeout, 5 s) and its Hangfire locks
        // (3 s), then the deploys themselves: a 10 s reconcile interval gives that 20 s.
        var interval = TimeSpan.FromSeconds(10);
        await using var pair = await PortalReplicas.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Reconcile:Interval"] = "00:00:10" }, cancellationToken: Ct);
        // Slow API calls keep jobs running long enough to be caught in the middle.
        pair.Cluster.Faults.AddedLatency = TimeSpan.FromMilliseconds(400);
        var names = Enumerable.Range(1, 10).Select(i => $"inflight-{i:00}").ToList();
        using (var a = pair.A.ApiClient())
        using (var b = pair.B.ApiClient())
        {
            for (var i = 0; i < names.Count; i++)
            {
                using var created = await (i % 2 == 0 ? a : b).PostAsJsonAsync("/api/v1/deployments",
                    new { name = names[i], @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct);
                Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            }
        }

        // Kill A while it is running at least one of these jobs.
        var processingOnA = $"SELECT count(*) FROM hangfire.job j JOIN hangfire.state s ON s.id = j.stateid WHERE j.statename = 'Processing' AND s.data::text LIKE '%:{pair.A.Pid}:%'";
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((long)(await PostgreSqlServer.ScalarAsync(pair.ConnectionString, processingOnA, Ct))! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "replica A never ran one of the jobs");
            await Task.Delay(20, Ct);
        }

        var open = await PostgreSqlServer.ScalarAsync(pair.ConnectionString, """SELECT count(*) FROM "Operations" WHERE "Outcome" IN ('Pending', 'Running')""", Ct);
        pair.A.Kill();
        var killedAt = Stopwatch.StartNew();
        pair.Cluster.Faults.AddedLatency = TimeSpan.Zero;
        Assert.True((long)open! > 0);

        foreach (var name in names)
        {
            var left = interval * 2 - killedAt.Elapsed;
            await PortalReplicas.WaitForDeploymentAsync(pair.B, name, d => d.State == "ready", left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), Ct);
        }

        Assert.True(killedAt.Elapsed <= interval * 2, $"took {killedAt.Elapsed}");
        using var api = pair.B.ApiClient();
        foreach (var name in names)
        {
            var operations = await api.GetFromJsonAsync<List<OperationRow>>($"/api/v1/deployments/{name}/operations", Ct);
            var deploy = Assert.Single(operations!, o => o.Kind == "deploy");
            Assert.Equal("succeeded", deploy.Outcome);
            Assert.StartsWith(PortalAppFactory.AdminEmail, deploy.RequestedBy, StringComparison.Ordinal);
        }
    }

    private sealed record OperationRow(string Kind, string Outcome, string RequestedBy);
}
