using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Portal.Simulator.Tests;

/// <summary>The simulated kubelet as kubectl and KubernetesClient see it: probes, restarts, CrashLoopBackOff and logs.</summary>
public sealed class KubeletTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pod_is_ready_only_after_its_readiness_probe_passes_against_the_listening_engine()
    {
        await using var cluster = await TestCluster.StartAsync(Options(modelLoad: TimeSpan.FromMilliseconds(600)));
        var client = cluster.Client();
        await client.CreateNamespacedServiceAsync(TestCluster.Service("r"), "default", cancellationToken: Ct);
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("r", 1), "default", cancellationToken: Ct);
        using var http = new HttpClient();
        var sawUnready = false;

        // Every time the pod reads as Ready its engine must already answer; before that it refuses connections.
        var ready = await TestCluster.EventuallyAsync(async () =>
        {
            var pod = (await client.ListNamespacedPodAsync("default", cancellationToken: Ct)).Items.SingleOrDefault() ?? new V1Pod { Status = new V1PodStatus() };
            var isReady = pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
            if (!isReady && pod.Status.ContainerStatuses?.Single().State?.Running is not null)
            {
                sawUnready = true;
            }

            return (Pod: pod, Ready: isReady);
        }, p => p.Ready, "the pod to become ready");
        var health = await http.GetAsync($"http://{ready.Pod.Status.PodIP}:8000/health", Ct);
        var sts = await client.ReadNamespacedStatefulSetAsync("r", "default", cancellationToken: Ct);
        var proxied = await http.GetAsync(EngineTests.ProxyUri(cluster, "r", "/health"), Ct);

        Assert.True(sawUnready, "the container ran before it was ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(1, sts.Status.ReadyReplicas);
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        Assert.True(ready.Pod.Status.ContainerStatuses.Single().Started);
    }

    [Fact]
    public async Task Readiness_is_not_probed_until_the_startup_probe_has_succeeded()
    {
        await using var cluster = await TestCluster.StartAsync(Options(modelLoad: TimeSpan.FromMilliseconds(500)));
        var client = cluster.Client();
        var sts = TestCluster.StatefulSet("s", 1);
        var engine = sts.Spec.Template.Spec.Containers[0];
        engine.StartupProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/health", Port = "http" }, PeriodSeconds = 5, FailureThreshold = 100 };
        await client.CreateNamespacedStatefulSetAsync(sts, "default", cancellationToken: Ct);

        var starting = await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("s-0", "default", cancellationToken: Ct),
            p => p.Status.ContainerStatuses?.Single().State.Running is not null, "a running container");
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("s-0", "default", cancellationToken: Ct),
            p => p.Status.ContainerStatuses.Single().Ready == true, "ready after startup");
        var messages = (await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=s-0", cancellationToken: Ct)).Items
            .Where(e => e.Reason == "Unhealthy").Select(e => e.Message).ToList();

        Assert.False(starting.Status.ContainerStatuses.Single().Started);
        Assert.Contains(messages, m => m.StartsWith("Startup probe failed: Get \"http://", StringComparison.Ordinal) && m.EndsWith("connect: connection refused", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.StartsWith("Readiness probe failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Liveness_failure_kills_the_container_which_restarts_with_a_higher_restart_count()
    {
        await using var cluster = await TestCluster.StartAsync(Options());
        var client = cluster.Client();
        var sts = TestCluster.StatefulSet("l", 1);
        sts.Spec.Template.Spec.Containers[0].LivenessProbe = new V1Probe
        {
            HttpGet = new V1HTTPGetAction { Path = "/no-such-path", Port = 8000 }, InitialDelaySeconds = 20, PeriodSeconds = 5, FailureThreshold = 2,
        };
        await client.CreateNamespacedStatefulSetAsync(sts, "default", cancellationToken: Ct);

        var restarted = await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("l-0", "default", cancellationToken: Ct),
            p => p.Status.ContainerStatuses?.Single().RestartCount >= 1, "a restart after failed liveness probes");
        var events = (await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=l-0", cancellationToken: Ct)).Items;

        var terminated = restarted.Status.ContainerStatuses.Single().LastState.Terminated;
        Assert.Equal(137, terminated.ExitCode);
        Assert.Equal("Error", terminated.Reason);
        Assert.Contains(events, e => e.Reason == "Unhealthy" && e.Message == "Liveness probe failed: HTTP probe failed with statuscode: 404");
        var killing = Assert.Single(events, e => e.Reason == "Killing");
        Assert.Equal("Container engine failed liveness probe, will be restarted", killing.Message);
        Assert.Equal("spec.containers{engine}", killing.InvolvedObject.FieldPath);
        Assert.Equal("kubelet", killing.Source.Component);
        Assert.Equal(restarted.Spec.NodeName, killing.Source.Host);
    }

    [Fact]
    public async Task Crash_looping_container_waits_in_CrashLoopBackOff_with_a_doubling_back_off_and_keeps_its_previous_logs()
    {
        await using var cluster = await TestCluster.StartAsync(Options());
        using var kubectl = new Kubectl(cluster);
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("c", 1), "default", cancellationToken: Ct);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("c-0", "default", cancellationToken: Ct), p => p.Status.ContainerStatuses?.Single().Ready == true, "ready");

        cluster.Faults.CrashLoop("default", "c-0", "loading weights", "CUDA error: out of memory");
        var first = await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("c-0", "default", cancellationToken: Ct),
            p => p.Status.ContainerStatuses.Single().State.Waiting?.Reason == "CrashLoopBackOff", "CrashLoopBackOff");
        var doubled = await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("c-0", "default", cancellationToken: Ct),
            p => p.Status.ContainerStatuses.Single().State.Waiting?.Message?.StartsWith("back-off 400ms", StringComparison.Ordinal) == true, "the back-off to double");
        var table = await kubectl.RunAsync("get", "pod", "c-0");
        var previous = await kubectl.RunAsync("logs", "c-0", "--previous");

        var status = first.Status.ContainerStatuses.Single();
        Assert.Equal($"back-off 200ms restarting failed container=engine pod=c-0_default({first.Metadata.Uid})", status.State.Waiting.Message);
        Assert.Equal((1, "Error"), (status.LastState.Terminated.ExitCode, status.LastState.Terminated.Reason));
        Assert.False(status.Ready);
        Assert.Equal("False", first.Status.Conditions.Single(c => c.Type == "ContainersReady").Status);
        Assert.Equal("containers with unready status: [engine]", first.Status.Conditions.Single(c => c.Type == "Ready").Message);
        Assert.True(doubled.Status.ContainerStatuses.Single().RestartCount > status.RestartCount);
        Assert.Matches(@"c-0\s+0/1\s+(CrashLoopBackOff|Error)\s+\d+ \(\d+s ago\)\s+\d+s", table);
        Assert.Equal("loading weights\nCUDA error: out of memory\n", previous);

        cluster.Faults.StopCrashLoop("default", "c-0");
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("c-0", "default", cancellationToken: Ct),
            p => p.Status.ContainerStatuses.Single().Ready == true, "ready again once it stops crashing");
    }

    [Fact]
    public async Task Logs_of_a_container_that_never_restarted_have_no_previous_instance()
    {
        await using var cluster = await TestCluster.StartAsync(Options());
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("n", 1), "default", cancellationToken: Ct);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("n-0", "default", cancellationToken: Ct), p => p.Status.ContainerStatuses?.Single().Ready == true, "ready");
        using var http = new HttpClient();

        var current = await http.GetStringAsync(new Uri(cluster.ApiServerUrl, "/api/v1/namespaces/default/pods/n-0/log?container=engine"), Ct);
        var previous = await http.GetAsync(new Uri(cluster.ApiServerUrl, "/api/v1/namespaces/default/pods/n-0/log?previous=true"), Ct);
        var status = JsonNode.Parse(await previous.Content.ReadAsStringAsync(Ct))!;

        Assert.NotEmpty(current);
        Assert.Equal(HttpStatusCode.BadRequest, previous.StatusCode);
        Assert.Equal("previous terminated container \"engine\" in pod \"n-0\" not found", (string?)status["message"]);
    }

    private static SimulatorOptions Options(TimeSpan? modelLoad = null) => new()
    {
        ModelLoadTime = modelLoad ?? TestCluster.LoadTime,
        ContainerStartTime = TimeSpan.FromMilliseconds(20),
        ProbeSecond = TestCluster.ProbeSecond,
        CrashLoopBackOffBase = TimeSpan.FromMilliseconds(200),
        CrashLoopBackOffMax = TimeSpan.FromSeconds(2),
    };
}
