using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Ports;
using Portal.TestSupport;

namespace Portal.Infrastructure.Tests.Kubernetes;

/// <summary>
/// kube-scheduler records FailedScheduling through events.k8s.io/v1 (eventTime once, repeats in a series), as the
/// simulator's scheduler does; the product reads those events as new as their series and counts the repeats.
/// </summary>
public sealed class SchedulerEventsTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_replica_that_cannot_fit_shows_the_schedulers_repeated_FailedScheduling_as_the_newest_warning()
    {
        await using var env = await PortalOnSimulator.StartAsync(cancellationToken: Ct);
        using var api = env.ApiClient();
        var created = await api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "too-big", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 3, gpusPerReplica = 8 }, Ct);
        created.EnsureSuccessStatusCode();
        var inspector = env.Portal.Services.GetRequiredService<IClusterInspector>();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        EventInfo? scheduling = null;
        while (DateTime.UtcNow < deadline)
        {
            var events = await inspector.EventsAsync("default", "too-big", Ct);
            scheduling = events.FirstOrDefault(e => e.Reason == "FailedScheduling");
            if (scheduling is { Count: >= 2 })
            {
                break;
            }

            await Task.Delay(200, Ct);
        }

        Assert.NotNull(scheduling);
        Assert.True(scheduling.Count >= 2, $"the scheduler's repeats are counted from the series (count {scheduling.Count})");
        Assert.StartsWith("0/2 nodes are available: ", scheduling.Message);
        Assert.InRange(DateTimeOffset.UtcNow - scheduling.LastSeen!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        // Two replicas run on the two nodes, the third waits: degraded, with the scheduler's words as the newest warning.
        var stored = await env.WaitForDeploymentAsync("too-big", d => d.State == "degraded", TimeSpan.FromSeconds(30), Ct);
        Assert.StartsWith("FailedScheduling: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu.", stored.LastEvent);
    }
}
