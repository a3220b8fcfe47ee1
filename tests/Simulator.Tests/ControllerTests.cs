using k8s;
using k8s.Models;

namespace Portal.Simulator.Tests;

public sealed class ControllerTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task StatefulSet_pods_appear_become_ready_scale_and_disappear()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("qwen", 2, policy: "OrderedReady"), "default", cancellationToken: Ct);

        var ready = await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync("qwen", "default", cancellationToken: Ct),
            s => s.Status?.ReadyReplicas == 2, "two ready replicas");
        var pods = await client.ListNamespacedPodAsync("default", labelSelector: "app=qwen", cancellationToken: Ct);
        Assert.Equal(["qwen-0", "qwen-1"], pods.Items.Select(p => p.Metadata.Name).Order());
        Assert.All(pods.Items, p =>
        {
            Assert.Equal("Running", p.Status.Phase);
            Assert.StartsWith("127.", p.Status.PodIP);
            Assert.True(p.Status.ContainerStatuses.Single().Ready);
            Assert.Equal(0, p.Status.ContainerStatuses.Single().RestartCount);
            Assert.NotNull(p.Status.ContainerStatuses.Single().State.Running);
            Assert.Equal("StatefulSet", p.Metadata.OwnerReferences.Single().Kind);
        });
        Assert.Equal(1, ready.Status.ObservedGeneration);
        Assert.Equal(ready.Status.UpdateRevision, ready.Status.CurrentRevision);

        var scale = await client.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "qwen", "default", cancellationToken: Ct);
        Assert.Equal(1, scale.Spec.Replicas);
        await TestCluster.EventuallyAsync(() => client.ListNamespacedPodAsync("default", cancellationToken: Ct),
            l => l.Items.Select(p => p.Metadata.Name).SequenceEqual(["qwen-0"]), "scale down removing the highest ordinal");

        await client.DeleteNamespacedStatefulSetAsync("qwen", "default", propagationPolicy: "Foreground", cancellationToken: Ct);
        await TestCluster.EventuallyAsync(() => client.ListNamespacedPodAsync("default", cancellationToken: Ct), l => l.Items.Count == 0, "pods deleted with the StatefulSet");
        await TestCluster.EventuallyAsync(() => client.ListNamespacedStatefulSetAsync("default", cancellationToken: Ct), l => l.Items.Count == 0, "the StatefulSet to go after its pods");
        var claims = await client.ListNamespacedPersistentVolumeClaimAsync("default", cancellationToken: Ct);
        Assert.Equal(["model-cache-qwen-0", "model-cache-qwen-1"], claims.Items.Select(c => c.Metadata.Name).Order());
        Assert.All(claims.Items, c => Assert.Equal("Bound", c.Status.Phase));
    }

    [Fact]
    public async Task Scale_to_zero_keeps_the_model_cache()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("m", 1), "default", cancellationToken: Ct);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync("m", "default", cancellationToken: Ct), s => s.Status?.ReadyReplicas == 1, "one ready replica");

        var scale = await client.ReadNamespacedStatefulSetScaleAsync("m", "default", cancellationToken: Ct);
        scale.Spec.Replicas = 0;
        await client.ReplaceNamespacedStatefulSetScaleAsync(scale, "m", "default", cancellationToken: Ct);

        await TestCluster.EventuallyAsync(() => client.ListNamespacedPodAsync("default", cancellationToken: Ct), l => l.Items.Count == 0, "no pods");
        var claim = await client.ReadNamespacedPersistentVolumeClaimAsync("model-cache-m-0", "default", cancellationToken: Ct);
        Assert.Equal("Bound", claim.Status.Phase);
        Assert.Equal("50Gi", claim.Status.Capacity["storage"].ToString());
    }

    [Fact]
    public async Task Pod_asking_for_more_GPUs_than_are_free_stays_pending_with_a_FailedScheduling_event()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("fits", 2, gpus: 8), "default", cancellationToken: Ct);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync("fits", "default", cancellationToken: Ct), s => s.Status?.ReadyReplicas == 2, "both nodes full");

        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("extra", 1, gpus: 1), "default", cancellationToken: Ct);
        var events = await TestCluster.EventuallyAsync(() => client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=extra-0", cancellationToken: Ct),
            l => l.Items.Any(e => e.Reason == "FailedScheduling"), "a FailedScheduling event");

        var failed = events.Items.First(e => e.Reason == "FailedScheduling");
        Assert.Equal("Warning", failed.Type);
        Assert.StartsWith("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.", failed.Message);
        var pod = await client.ReadNamespacedPodAsync("extra-0", "default", cancellationToken: Ct);
        Assert.Equal("Pending", pod.Status.Phase);
        var scheduled = pod.Status.Conditions.Single(c => c.Type == "PodScheduled");
        Assert.Equal(("False", "Unschedulable"), (scheduled.Status, scheduled.Reason));

        await client.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "fits", "default", cancellationToken: Ct);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("extra-0", "default", cancellationToken: Ct),
            p => p.Status.Phase == "Running", "the pending pod to schedule once GPUs free up");
    }

    [Fact]
    public async Task Killed_pod_restarts_with_a_higher_restart_count_and_becomes_ready_again()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("k", 1), "default", cancellationToken: Ct);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync("k", "default", cancellationToken: Ct), s => s.Status?.ReadyReplicas == 1, "ready");

        await cluster.Faults.KillPod("default", "k-0", Ct);

        var restarted = await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("k-0", "default", cancellationToken: Ct),
            p => p.Status.ContainerStatuses.Single().RestartCount == 1, "a restart");
        Assert.NotNull(restarted.Status.ContainerStatuses.Single().LastState.Terminated);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("k-0", "default", cancellationToken: Ct),
            p => p.Status.ContainerStatuses.Single().Ready == true, "ready again after the reload");
    }

    [Fact]
    public async Task Changed_template_rolls_pods_to_the_new_revision()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("r", 2), "default", cancellationToken: Ct);
        var first = await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync("r", "default", cancellationToken: Ct), s => s.Status?.ReadyReplicas == 2, "ready");

        await client.PatchNamespacedStatefulSetAsync(new V1Patch(
            """{"spec":{"template":{"spec":{"containers":[{"name":"engine","args":["Qwen/Qwen2.5-1.5B-Instruct","--port","8000"]}]}}}}""", V1Patch.PatchType.StrategicMergePatch),
            "r", "default", cancellationToken: Ct);

        var rolled = await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync("r", "default", cancellationToken: Ct),
            s => s.Status.UpdatedReplicas == 2 && s.Status.ReadyReplicas == 2 && s.Status.CurrentRevision == s.Status.UpdateRevision && s.Status.ObservedGeneration == 2,
            "both pods on the new revision", TimeSpan.FromSeconds(15));
        Assert.NotEqual(first.Status.UpdateRevision, rolled.Status.UpdateRevision);
        var pods = await client.ListNamespacedPodAsync("default", cancellationToken: Ct);
        Assert.All(pods.Items, p => Assert.Equal("Qwen/Qwen2.5-1.5B-Instruct", p.Spec.Containers[0].Args[0]));
    }
}
