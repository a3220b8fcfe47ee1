using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Autoscaling;
using Portal.Application.Deployments;
using Portal.TestSupport;

namespace Portal.Tests.Autoscaling;

/// <summary>
/// Load through the gateway on a vLLM deployment whose replicas run two sequences each (<c>maxConcurrentSequences</c>),
/// so forty conversations at once queue on any number of replicas up to the maximum: the autoscaler grows it while the
/// load lasts and shrinks it to the minimum after the cooldown, and every request succeeds.
/// </summary>
public sealed class LoadScalingTests
{
    private const string Namespace = "models";
    private const int Conversations = 40;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Keda_on_requests_waiting_grows_from_one_to_at_least_three_under_load_and_returns_to_one_after_the_cooldown()
    {
        await using var world = await AutoscalingWorld.StartAsync(cancellationToken: Ct);
        await world.CreateAsync(Body("keda-load", "keda-load-qwen", new { mode = "Keda", metric = "requests-waiting", target = 5, minReplicas = 1, maxReplicas = 4, cooldownSeconds = 4, pollingSeconds = 1 }), Ct);
        await RunAsync(world, "keda-load", "keda-load-qwen", "keda-hpa-keda-load", "external metric s0-prometheus");
    }

    [Fact]
    public async Task Hpa_on_gpu_utilisation_grows_from_one_to_at_least_three_under_load_and_returns_to_one_after_the_cooldown()
    {
        await using var world = await AutoscalingWorld.StartAsync(cancellationToken: Ct);
        await world.CreateAsync(Body("hpa-load", "hpa-load-qwen", new { mode = "Hpa", metric = "gpu-utilization", target = 50, minReplicas = 1, maxReplicas = 4, cooldownSeconds = 4 }), Ct);
        await RunAsync(world, "hpa-load", "hpa-load-qwen", "hpa-load", "pods metric DCGM_FI_DEV_GPU_UTIL");
    }

    private static object Body(string name, string served, object autoscaling) => new
    {
        name,
        @namespace = Namespace,
        framework = "vllm",
        model = "Qwen/Qwen2.5-0.5B-Instruct",
        servedModelName = served,
        gpusPerReplica = 1,
        engine = new { maxConcurrentSequences = 2 },
        autoscaling,
    };

    private static async Task RunAsync(AutoscalingWorld world, string name, string served, string hpa, string metricInReason)
    {
        await world.Env.WaitForDeploymentAsync(name, d => d.State == "ready" && d.ReadyReplicas == 1, TimeSpan.FromSeconds(60), Ct);

        using var stop = new CancellationTokenSource();
        var load = new Load(world.Portal.BaseAddress, served);
        var loops = Enumerable.Range(0, Conversations).Select(i => Task.Run(() => load.LoopAsync(i, stop.Token))).ToList();
        try
        {
            await world.WaitForReplicasAsync(Namespace, name, (_, ready) => ready >= 3, TimeSpan.FromSeconds(60), Ct);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops);
        }

        Assert.True(load.Sent > Conversations, $"only {load.Sent} requests were sent");
        Assert.Equal(0, load.Failed);
        await world.WaitForReplicasAsync(Namespace, name, (replicas, ready) => replicas == 1 && ready == 1, TimeSpan.FromSeconds(60), Ct);

        // The HPA's decisions, as the real controller words them, are events on it that the deployment page lists.
        var events = await world.EventsAsync(Namespace, Ct);
        Assert.Matches($"HorizontalPodAutoscaler/{hpa} SuccessfulRescale: New size: [34]; reason: {System.Text.RegularExpressions.Regex.Escape(metricInReason)}.* above target", events);
        Assert.Contains($"HorizontalPodAutoscaler/{hpa} SuccessfulRescale: New size: 1; reason: All metrics below target", events);

        // What the deployment page's Autoscaling tab lists: each decision with the signal's value then against the target.
        var services = world.Portal.Services;
        var deployment = (await services.GetRequiredService<DeploymentQueries>().FindAsync(name, Ct))!;
        var view = await services.GetRequiredService<DeploymentInsights>().ReadAsync(deployment, Ct);
        var decisions = await services.GetRequiredService<AutoscalingInsights>().DecisionsAsync(deployment, view.Events, Ct);
        var up = decisions.Last(d => d.Reason == "SuccessfulRescale" && d.Message.Contains("above target", StringComparison.Ordinal));
        Assert.Equal("HPA", up.By);
        Assert.NotNull(up.Value);
        Assert.True(up.Value > up.Target, $"the scale-up to {up.NewSize} was at {up.Value} against a target of {up.Target}");
        Assert.Contains(decisions, d => d.Reason == "SuccessfulRescale" && d.NewSize == 1);
    }

    /// <summary>Streams short chats through the gateway, one after another per conversation, until stopped; counts failures.</summary>
    private sealed class Load(Uri portal, string model)
    {
        private int _sent;
        private int _failed;

        public int Sent => Volatile.Read(ref _sent);

        public int Failed => Volatile.Read(ref _failed);

        public async Task LoopAsync(int conversation, CancellationToken stop)
        {
            using var http = new HttpClient { BaseAddress = portal, Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PortalOnSimulator.AdminApiKey);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.PostAsJsonAsync("/v1/chat/completions", new
                    {
                        model,
                        stream = true,
                        max_tokens = 24,
                        messages = new[] { new { role = "user", content = $"Conversation {conversation}: how busy are you?" } },
                    }, CancellationToken.None);
                    var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                    Interlocked.Increment(ref _sent);
                    if (!response.IsSuccessStatusCode || !body.Contains("data: [DONE]", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref _failed);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref _sent);
                    Interlocked.Increment(ref _failed);
                }
            }
        }
    }
}
