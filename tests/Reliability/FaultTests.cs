using System.Net;
using k8s;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Reconcile;
using Portal.Domain.Deployments;
using Portal.Domain.Manifests;
using Portal.Infrastructure.Persistence;
using Portal.Reliability.Support;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>
/// 100 operations (20 deployments × deploy, scale to 2, stop, start, delete) while the cluster API answers 30 % of
/// requests with 500, adds 200 ms to every answer and refuses updates with 409 from time to time: every operation
/// converges to what was asked, nothing is duplicated, no operation is lost or left open, and the Operations log
/// shows the retries. With the default retry limit a job now and then gives up; reconcile then finishes its work.
/// </summary>
public sealed class FaultTests
{
    private const int Deployments = 20;
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Topology.All), MemberType = typeof(Topology))]
    public async Task Hundred_operations_converge_under_api_errors_latency_and_conflicts(string topology)
    {
        _ = Topology.Named(topology);
        await using var env = await PortalOnSimulator.StartAsync(
            PortalOnSimulator.FastSimulator with { Nodes = 6, GpusPerNode = 8 },
            new Dictionary<string, string?>
            {
                ["Hangfire:WorkerCount"] = "8",
                ["Reconcile:Interval"] = "00:00:05",
                // Jobs failing on injected 500s are retried by Hangfire; the test counts the outcome, the console stays readable.
                ["Logging:LogLevel:Hangfire"] = "Critical",
            },
            cancellationToken: Ct);
        using var objects = new ClusterObjects(env.Cluster);
        using var api = env.ApiClient();
        var faults = env.Cluster.Faults;
        faults.ErrorRate = 0.3;
        faults.AddedLatency = TimeSpan.FromMilliseconds(200);
        faults.ConflictNext(10);

        var names = Enumerable.Range(0, Deployments).Select(i => $"fault-{i:00}").ToList();
        var converged = 0;
        var duplicates = new List<string>();
        var steps = new (string What, Func<string, Task<HttpResponseMessage>> Send, Func<DeploymentView, bool>? Until, int Pods)[]
        {
            ("deploy", n => api.PostAsJsonAsync("/api/v1/deployments", new { name = n, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct),
                d => d.State == "ready" && d.ReadyReplicas == 1, 1),
            ("scale", n => api.PostAsJsonAsync($"/api/v1/deployments/{n}/scale", new { replicas = 2 }, Ct), d => d.State == "ready" && d.ReadyReplicas == 2, 2),
            ("stop", n => api.PostAsync($"/api/v1/deployments/{n}/stop", null, Ct), d => d.State == "stopped", 0),
            ("start", n => api.PostAsync($"/api/v1/deployments/{n}/start", null, Ct), d => d.State == "ready" && d.ReadyReplicas == 2, 2),
            ("delete", n => api.DeleteAsync($"/api/v1/deployments/{n}", Ct), null, 0),
        };

        async Task RunAsync(string name)
        {
            foreach (var (what, send, until, pods) in steps)
            {
                if (what == "scale")
                {
                    faults.ConflictNext(3); // a fresh few 409s for every wave of updates
                }

                using var response = await send(name);
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{what} {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
                if (until is not null)
                {
                    await env.WaitForDeploymentAsync(name, until, TimeSpan.FromSeconds(120), Ct);
                }
                else
                {
                    await WaitGoneAsync(api, name);
                }

                var selector = PortalLabels.SelectorFor(name);
                var sets = await Resilient.ReadAsync(() => objects.Client.AppsV1.ListNamespacedStatefulSetAsync("default", labelSelector: selector, cancellationToken: Ct), Ct);
                var services = await Resilient.ReadAsync(() => objects.Client.CoreV1.ListNamespacedServiceAsync("default", labelSelector: selector, cancellationToken: Ct), Ct);
                var running = await WaitForPodCountAsync(objects, name, pods);
                var expectedSets = what == "delete" ? 0 : 1;
                if (sets.Items.Count != expectedSets || services.Items.Count != expectedSets || running != pods)
                {
                    lock (duplicates)
                    {
                        duplicates.Add($"{name} after {what}: {sets.Items.Count} StatefulSets, {services.Items.Count} Services, {running} pods");
                    }
                }

                Interlocked.Increment(ref converged);
            }
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(names.Select(n => Task.Run(() => RunAsync(n), Ct)));
        var elapsed = clock.Elapsed;
        faults.Clear();

        var dbFactory = env.Portal.Services.GetRequiredService<IDbContextFactory<PortalDb>>();
        await using var db = await dbFactory.CreateDbContextAsync(Ct);
        var all = await db.Operations.AsNoTracking().Where(o => names.Contains(o.DeploymentName)).ToListAsync(Ct);
        var operations = all.Where(o => o.RequestedBy != ReconcilePlanner.RequestedBy).ToList();
        var open = all.Count(o => o.Outcome is OperationOutcome.Pending or OperationOutcome.Running);
        // A job that gave up (every request of a step retried to the limit) fails with its reason, and reconcile
        // does the same revision's work again after the backoff: that request converged, through reconcile.
        var finishedByReconcile = operations.Where(o => o.Outcome == OperationOutcome.Failed && all.Any(r =>
            r.RequestedBy == ReconcilePlanner.RequestedBy && r.DeploymentId == o.DeploymentId && r.Revision == o.Revision
            && r.Outcome == OperationOutcome.Succeeded && r.RequestedAt >= o.FinishedAt)).ToList();
        var retried = operations.Where(o => o.Attempts > 1 && o.Message?.Contains("retried", StringComparison.Ordinal) == true).ToList();
        var requested = names.Count * steps.Length;
        var lost = requested - operations.Count(o => o.Outcome == OperationOutcome.Succeeded) - finishedByReconcile.Count;
        var left = await objects.CountAsync(["default"], Ct);

        Figures.Print("faults", $"{converged}/{requested} operations converged in {elapsed.TotalSeconds:0} s at 30 % API 5xx + 200 ms + 409s " +
            $"({faults.ErrorsInjected} 500s and {faults.ConflictsInjected} 409s injected); duplicates {duplicates.Count}, lost {lost}, open {open}; " +
            $"{retried.Count} operations logged retries (up to {retried.DefaultIfEmpty().Max(o => o?.Attempts ?? 0)} attempts); " +
            $"{finishedByReconcile.Count} gave up after the retry limit and were finished by reconcile{Gaps(finishedByReconcile, all)}; " +
            $"objects left {left.StatefulSets + left.Services + left.Pods}");

        Assert.Equal(requested, converged);
        Assert.Empty(duplicates);
        Assert.Equal(requested, operations.Count);
        Assert.Equal(0, lost);
        Assert.Equal(0, open);
        Assert.True(faults.ErrorsInjected > 100, $"only {faults.ErrorsInjected} errors were injected");
        Assert.True(faults.ConflictsInjected > 0, "no 409 was injected");
        Assert.True(retried.Count >= 10, $"only {retried.Count} operations show retries in their log");
        Assert.Equal(0, left.StatefulSets + left.Services + left.Pods);
    }

    /// <summary>How long after each given-up operation reconcile's retry started, for the figure.</summary>
    private static string Gaps(IReadOnlyList<Operation> gaveUp, IReadOnlyList<Operation> all) =>
        gaveUp.Count == 0 ? "" : " (" + string.Join(", ", gaveUp.Select(o =>
        {
            var retry = all.Where(r => r.RequestedBy == ReconcilePlanner.RequestedBy && r.DeploymentId == o.DeploymentId && r.Revision == o.Revision && r.RequestedAt >= o.FinishedAt).Min(r => r.RequestedAt);
            return $"{o.Kind} of {o.DeploymentName} retried {(retry - o.FinishedAt!.Value).TotalSeconds:0} s later";
        })) + ")";

    private static async Task WaitGoneAsync(HttpClient api, string name)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            using var response = await api.GetAsync($"/api/v1/deployments/{name}", Ct);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{name} was not deleted in time");
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>Pods of a stopped or deleted deployment may still be terminating for a moment: wait for the count to settle.</summary>
    private static async Task<int> WaitForPodCountAsync(ClusterObjects objects, string name, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var pods = await Resilient.ReadAsync(() => objects.Client.CoreV1.ListNamespacedPodAsync("default", labelSelector: PortalLabels.SelectorFor(name), cancellationToken: Ct), Ct);
            if (pods.Items.Count == expected || DateTime.UtcNow > deadline)
            {
                return pods.Items.Count;
            }

            await Task.Delay(200, Ct);
        }
    }
}
