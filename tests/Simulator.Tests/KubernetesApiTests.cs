using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Simulator.Tests;

public sealed class KubernetesApiTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Created_config_map_reads_back_with_server_fields_and_labels()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();

        var created = await client.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "settings", Labels = new Dictionary<string, string> { ["team"] = "ml" }, Annotations = new Dictionary<string, string> { ["note"] = "x" } },
            Data = new Dictionary<string, string> { ["k"] = "v" },
        }, "default", cancellationToken: Ct);
        var read = await client.ReadNamespacedConfigMapAsync("settings", "default", cancellationToken: Ct);

        Assert.False(string.IsNullOrEmpty(read.Metadata.Uid));
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.NotNull(read.Metadata.CreationTimestamp);
        Assert.Equal("ml", read.Metadata.Labels["team"]);
        Assert.Equal("x", read.Metadata.Annotations["note"]);
        Assert.Equal("v", read.Data["k"]);
    }

    [Fact]
    public async Task Missing_object_is_a_404_with_a_NotFound_status()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.ReadNamespacedStatefulSetAsync("nope", "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal("Status", status.Kind);
        Assert.Equal("Failure", status.Status);
        Assert.Equal("NotFound", status.Reason);
        Assert.Equal(404, status.Code);
        Assert.Equal("statefulsets.apps \"nope\" not found", status.Message);
    }

    [Fact]
    public async Task Creating_twice_is_a_409_AlreadyExists()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        var secret = new V1Secret { Metadata = new V1ObjectMeta { Name = "hf-token" }, StringData = new Dictionary<string, string> { ["token"] = "hf_abc" } };

        var created = await client.CreateNamespacedSecretAsync(secret, "default", cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CreateNamespacedSecretAsync(secret, "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal("AlreadyExists", KubernetesJson.Deserialize<V1Status>(error.Response.Content).Reason);
        Assert.Equal("hf_abc", System.Text.Encoding.UTF8.GetString(created.Data["token"]));
    }

    [Fact]
    public async Task Update_with_a_stale_resource_version_is_a_409_Conflict()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        var original = await client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, "default", cancellationToken: Ct);

        original.Data["a"] = "2";
        var updated = await client.ReplaceNamespacedConfigMapAsync(original, "c", "default", cancellationToken: Ct);
        original.Data["a"] = "3";
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.ReplaceNamespacedConfigMapAsync(original, "c", "default", cancellationToken: Ct));

        Assert.NotEqual(original.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal("Conflict", KubernetesJson.Deserialize<V1Status>(error.Response.Content).Reason);
        Assert.Equal("2", (await client.ReadNamespacedConfigMapAsync("c", "default", cancellationToken: Ct)).Data["a"]);
    }

    [Fact]
    public async Task Server_side_apply_creates_then_a_repeat_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        var sts = TestCluster.StatefulSet("qwen", 0);
        var patch = new V1Patch(KubernetesJson.Serialize(sts), V1Patch.PatchType.ApplyPatch);

        await client.PatchNamespacedStatefulSetAsync(patch, "qwen", "default", fieldManager: "portal", force: true, cancellationToken: Ct);
        var settled = await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync("qwen", "default", cancellationToken: Ct),
            s => s.Status?.ObservedGeneration == 1, "the controller to observe the StatefulSet");
        var second = await client.PatchNamespacedStatefulSetAsync(patch, "qwen", "default", fieldManager: "portal", force: true, cancellationToken: Ct);

        Assert.Equal(settled.Metadata.ResourceVersion, second.Metadata.ResourceVersion);
        Assert.Equal(1, second.Metadata.Generation);
        Assert.Contains(second.Metadata.ManagedFields, m => m.Manager == "portal" && m.Operation == "Apply");
    }

    [Fact]
    public async Task Server_side_apply_changes_the_spec_and_drops_fields_the_manager_no_longer_sets()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        var sts = TestCluster.StatefulSet("qwen", 0);
        sts.Metadata.Annotations = new Dictionary<string, string> { ["portal/revision"] = "1" };
        await client.PatchNamespacedStatefulSetAsync(new V1Patch(KubernetesJson.Serialize(sts), V1Patch.PatchType.ApplyPatch), "qwen", "default", fieldManager: "portal", force: true, cancellationToken: Ct);

        sts.Metadata.Annotations = null;
        sts.Spec.Template.Spec.Containers[0].Args = ["Qwen/Qwen2.5-7B-Instruct", "--port", "8000"];
        var changed = await client.PatchNamespacedStatefulSetAsync(new V1Patch(KubernetesJson.Serialize(sts), V1Patch.PatchType.ApplyPatch), "qwen", "default", fieldManager: "portal", force: true, cancellationToken: Ct);

        Assert.Equal(2, changed.Metadata.Generation);
        Assert.Equal("Qwen/Qwen2.5-7B-Instruct", changed.Spec.Template.Spec.Containers[0].Args[0]);
        Assert.True(changed.Metadata.Annotations is null || !changed.Metadata.Annotations.ContainsKey("portal/revision"));
    }

    [Fact]
    public async Task Merge_and_strategic_merge_patches_change_only_what_they_name()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        var sts = TestCluster.StatefulSet("m", 0);
        sts.Spec.Template.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "busybox:1.36" });
        await client.CreateNamespacedStatefulSetAsync(sts, "default", cancellationToken: Ct);

        await client.PatchNamespacedStatefulSetAsync(new V1Patch("""{"metadata":{"labels":{"tier":"gold"}}}""", V1Patch.PatchType.MergePatch), "m", "default", cancellationToken: Ct);
        var patched = await client.PatchNamespacedStatefulSetAsync(new V1Patch(
            """{"spec":{"template":{"spec":{"containers":[{"name":"engine","image":"vllm/vllm-openai:v0.11.0"}]}}}}""", V1Patch.PatchType.StrategicMergePatch), "m", "default", cancellationToken: Ct);

        Assert.Equal("gold", patched.Metadata.Labels["tier"]);
        Assert.Equal("m", patched.Metadata.Labels["app"]);
        Assert.Equal(2, patched.Spec.Template.Spec.Containers.Count);
        Assert.Equal("vllm/vllm-openai:v0.11.0", patched.Spec.Template.Spec.Containers.Single(c => c.Name == "engine").Image);
        Assert.Equal("busybox:1.36", patched.Spec.Template.Spec.Containers.Single(c => c.Name == "sidecar").Image);
        Assert.Equal(8000, patched.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort);
    }

    [Fact]
    public async Task List_filters_by_label_selector_and_metadata_name_field_selector()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        foreach (var (name, app) in new[] { ("a", "x"), ("b", "x"), ("c", "y") })
        {
            await client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = app } } }, "default", cancellationToken: Ct);
        }

        var byLabel = await client.ListNamespacedConfigMapAsync("default", labelSelector: "app=x", cancellationToken: Ct);
        var bySet = await client.ListNamespacedConfigMapAsync("default", labelSelector: "app in (y),app!=x", cancellationToken: Ct);
        var byName = await client.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=b", cancellationToken: Ct);
        var all = await client.ListConfigMapForAllNamespacesAsync(cancellationToken: Ct);

        Assert.Equal(["a", "b"], byLabel.Items.Select(i => i.Metadata.Name).Order());
        Assert.Equal(["c"], bySet.Items.Select(i => i.Metadata.Name));
        Assert.Equal(["b"], byName.Items.Select(i => i.Metadata.Name));
        Assert.Equal(3, all.Items.Count);
        Assert.False(string.IsNullOrEmpty(all.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task Watch_from_a_resource_version_reports_later_changes_in_order()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        await client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "before" } }, "default", cancellationToken: Ct);
        var list = await client.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);

        var seen = new List<(WatchEventType, string)>();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: done.Token))
            {
                seen.Add((type, item.Metadata.Name));
                if (type == WatchEventType.Deleted)
                {
                    break;
                }
            }
        }, Ct);
        await client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "after" } }, "default", cancellationToken: Ct);
        await client.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"x":"1"}}""", V1Patch.PatchType.MergePatch), "after", "default", cancellationToken: Ct);
        await client.DeleteNamespacedConfigMapAsync("after", "default", cancellationToken: Ct);
        await watching.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal([(WatchEventType.Added, "after"), (WatchEventType.Modified, "after"), (WatchEventType.Deleted, "after")], seen);
    }

    [Fact]
    public async Task Object_in_a_missing_namespace_is_refused_and_a_created_namespace_accepts_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        var map = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } };

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CreateNamespacedConfigMapAsync(map, "models", cancellationToken: Ct));
        await client.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "models" } }, cancellationToken: Ct);
        var created = await client.CreateNamespacedConfigMapAsync(map, "models", cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Equal("models", created.Metadata.NamespaceProperty);
    }
}
