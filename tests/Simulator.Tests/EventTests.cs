using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Portal.Simulator.Tests;

/// <summary>Events as current Kubernetes records them, seen through events.k8s.io/v1 and core v1 alike.</summary>
public sealed class EventTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task FailedScheduling_sorts_each_reason_with_its_node_count_and_adds_the_preemption_verdict()
    {
        await using var cluster = await TestCluster.StartAsync(new SimulatorOptions { Nodes = 3, ModelLoadTime = TestCluster.LoadTime, ProbeSecond = TestCluster.ProbeSecond });
        var client = cluster.Client();
        var sts = TestCluster.StatefulSet("pinned", 1, gpus: 9);
        sts.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "gpu-node-2" };
        await client.CreateNamespacedStatefulSetAsync(sts, "default", cancellationToken: Ct);

        var pods = await TestCluster.EventuallyAsync(() => client.ListNamespacedPodAsync("default", cancellationToken: Ct),
            l => l.Items.Any(p => p.Status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true), "an unschedulable pod");
        var pod = pods.Items.Single();

        Assert.Equal(
            "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) didn't match Pod's node affinity/selector. "
            + "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
            pod.Status.Conditions.Single(c => c.Type == "PodScheduled").Message);
    }

    [Fact]
    public async Task Scheduler_events_are_events_k8s_io_objects_with_a_series_and_core_v1_shows_the_same_objects()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("big", 1, gpus: 9), "default", cancellationToken: Ct);
        // Every pod change makes the scheduler try again; another pending pod repeats the same FailedScheduling.
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("other", 1, gpus: 9), "default", cancellationToken: Ct);

        var v1 = await TestCluster.EventuallyAsync(() => client.EventsV1.ListNamespacedEventAsync("default", fieldSelector: "regarding.name=big-0", cancellationToken: Ct),
            l => l.Items.Any(e => e.Reason == "FailedScheduling" && e.Series?.Count >= 2), "a FailedScheduling series");
        var scheduling = v1.Items.Single(e => e.Reason == "FailedScheduling");
        var core = await client.CoreV1.ReadNamespacedEventAsync(scheduling.Metadata.Name, "default", cancellationToken: Ct);

        Assert.Equal("default-scheduler", scheduling.ReportingController);
        Assert.Equal($"default-scheduler-{cluster.Options.ControlPlaneHost}", scheduling.ReportingInstance);
        Assert.Equal("Scheduling", scheduling.Action);
        Assert.NotNull(scheduling.EventTime);
        Assert.Null(scheduling.DeprecatedCount);
        Assert.StartsWith("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.", scheduling.Note);
        Assert.Equal(("Pod", "big-0"), (scheduling.Regarding.Kind, scheduling.Regarding.Name));
        Assert.StartsWith("big-0.", scheduling.Metadata.Name);
        Assert.Equal(scheduling.Note, core.Message);
        Assert.Equal(scheduling.ReportingController, core.ReportingComponent);
        Assert.Equal(scheduling.Series.Count, core.Series.Count);
        Assert.Equal(scheduling.Regarding.Uid, core.InvolvedObject.Uid);
        Assert.Null(core.FirstTimestamp);
        Assert.Null(core.Count);
    }

    [Fact]
    public async Task Kubelet_events_are_core_v1_events_whose_repeats_raise_count_and_show_as_deprecated_fields_in_events_k8s_io()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("k", 1), "default", cancellationToken: Ct);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("k-0", "default", cancellationToken: Ct), p => p.Status.ContainerStatuses?.Single().Ready == true, "ready");
        await cluster.Faults.KillPod("default", "k-0", Ct);

        var pulled = await TestCluster.EventuallyAsync(() => client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=k-0", cancellationToken: Ct),
            l => l.Items.Any(e => e.Reason == "Pulled" && e.Count == 2), "the Pulled event counted twice");
        var core = pulled.Items.Single(e => e.Reason == "Pulled");
        using var http = new HttpClient();
        var v1 = JsonNode.Parse(await http.GetStringAsync(new Uri(cluster.ApiServerUrl, $"/apis/events.k8s.io/v1/namespaces/default/events/{core.Metadata.Name}"), Ct))!;

        Assert.Equal("kubelet", core.Source.Component);
        Assert.True(core.LastTimestamp >= core.FirstTimestamp);
        Assert.Equal("events.k8s.io/v1", (string?)v1["apiVersion"]);
        Assert.Equal(2, (int?)v1["deprecatedCount"]);
        Assert.Equal(core.Message, (string?)v1["note"]);
        Assert.Equal("kubelet", (string?)v1["deprecatedSource"]!["component"]);
        Assert.Equal("spec.containers{engine}", (string?)v1["regarding"]!["fieldPath"]);
        Assert.Equal("kubelet", (string?)v1["reportingController"]);
        Assert.Null(v1["message"]);
    }

    [Fact]
    public async Task Event_created_through_events_k8s_io_is_listed_by_core_v1()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();

        await client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "mine" },
            EventTime = DateTime.UtcNow,
            ReportingController = "portal",
            ReportingInstance = "portal-1",
            Action = "Deploy",
            Reason = "Deployed",
            Note = "deployed qwen",
            Type = "Normal",
            Regarding = new V1ObjectReference { Kind = "StatefulSet", Name = "qwen", NamespaceProperty = "default" },
        }, "default", cancellationToken: Ct);
        var core = await client.CoreV1.ReadNamespacedEventAsync("mine", "default", cancellationToken: Ct);

        Assert.Equal("deployed qwen", core.Message);
        Assert.Equal("qwen", core.InvolvedObject.Name);
        Assert.Equal("portal", core.ReportingComponent);
        Assert.Equal("Deploy", core.Action);
    }
}
