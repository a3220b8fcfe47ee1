using System.Net;
using System.Net.Http.Json;
using k8s;
using Portal.Domain.Manifests;
using Portal.TestSupport;

namespace Portal.Jobs.Tests;

public sealed class FaultToleranceTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Operations_converge_under_api_errors_latency_and_a_conflict_and_the_log_shows_the_retries()
    {
        await using var env = await PortalOnSimulator.StartAsync(cancellationToken: Ct);
        using var api = env.ApiClient();
        using var cluster = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(env.Cluster.KubeconfigPath));
        env.Cluster.Faults.ErrorRate = 0.3;
        env.Cluster.Faults.AddedLatency = TimeSpan.FromMilliseconds(20);
        env.Cluster.Faults.ConflictNext(1);

        const string name = "flaky";
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsJsonAsync("/api/v1/deployments",
            new { name, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct)).StatusCode);
        await env.WaitForDeploymentAsync(name, d => d.State == "ready", TimeSpan.FromSeconds(40), Ct);
        await api.PostAsJsonAsync($"/api/v1/deployments/{name}/scale", new { replicas = 2 }, Ct);
        await env.WaitForDeploymentAsync(name, d => d.State == "ready" && d.ReadyReplicas == 2, TimeSpan.FromSeconds(40), Ct);
        await api.PostAsync($"/api/v1/deployments/{name}/stop", null, Ct);
        await env.WaitForDeploymentAsync(name, d => d.State == "stopped", TimeSpan.FromSeconds(40), Ct);
        await api.PostAsync($"/api/v1/deployments/{name}/start", null, Ct);
        var final = await env.WaitForDeploymentAsync(name, d => d.State == "ready" && d.ReadyReplicas == 2, TimeSpan.FromSeconds(40), Ct);

        env.Cluster.Faults.Clear();
        Assert.Null(final.LastError);
        var sets = await cluster.AppsV1.ListNamespacedStatefulSetAsync("default", labelSelector: PortalLabels.SelectorFor(name), cancellationToken: Ct);
        var services = await cluster.CoreV1.ListNamespacedServiceAsync("default", labelSelector: PortalLabels.SelectorFor(name), cancellationToken: Ct);
        var pods = await cluster.CoreV1.ListNamespacedPodAsync("default", labelSelector: PortalLabels.SelectorFor(name), cancellationToken: Ct);
        Assert.Single(sets.Items);
        Assert.Single(services.Items);
        Assert.Equal([$"{name}-0", $"{name}-1"], pods.Items.Select(p => p.Metadata.Name).Order().ToArray());

        var operations = await api.GetFromJsonAsync<List<OperationRow>>($"/api/v1/deployments/{name}/operations", Ct);
        var requested = operations!.Where(o => o.RequestedBy != "reconcile").ToList();
        Assert.Equal(["start", "stop", "scale", "deploy"], requested.Select(o => o.Kind).ToArray());
        Assert.All(requested, o => Assert.Equal("succeeded", o.Outcome));
        Assert.Contains(operations!, o => o.Attempts > 1 && o.Message!.Contains("retried", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_deploy_lost_with_its_in_memory_job_is_finished_by_reconcile_on_the_next_host()
    {
        var database = PortalAppFactory.NewDatabasePath();
        var simulator = await Portal.Simulator.SimulatedCluster.StartAsync(PortalOnSimulator.FastSimulator, Ct);
        try
        {
            await using (var first = await PortalOnSimulator.StartAsync(
                simulator, settings: new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" }, databasePath: database, cancellationToken: Ct))
            {
                using var api = first.ApiClient();
                Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsJsonAsync("/api/v1/deployments",
                    new { name = "survivor", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct)).StatusCode);
                // No job ran: the host has no Hangfire server. (Its watch may still reconcile, which calls the row "deploying".)
                var logged = await api.GetFromJsonAsync<List<OperationRow>>("/api/v1/deployments/survivor/operations", Ct);
                var lost = Assert.Single(logged!, o => o.Kind == "deploy");
                Assert.Equal(("pending", 0), (lost.Outcome, lost.Attempts));
                using var kube = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(simulator.KubeconfigPath));
                Assert.Empty((await kube.AppsV1.ListNamespacedStatefulSetAsync("default", cancellationToken: Ct)).Items);
            }

            await using var second = await PortalOnSimulator.StartAsync(simulator, databasePath: database, cancellationToken: Ct);
            var ready = await second.WaitForDeploymentAsync("survivor", d => d.State == "ready", TimeSpan.FromSeconds(40), Ct);
            Assert.Equal(1, ready.ReadyReplicas);
            using var client = second.ApiClient();
            var operations = await client.GetFromJsonAsync<List<OperationRow>>("/api/v1/deployments/survivor/operations", Ct);
            var deploy = Assert.Single(operations!, o => o.Kind == "deploy");
            Assert.Equal("succeeded", deploy.Outcome);
        }
        finally
        {
            await simulator.DisposeAsync();
        }
    }

    private sealed record OperationRow(string Kind, string Outcome, int Attempts, string? Message, string RequestedBy);
}
