using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Portal.Simulator.Tests;

/// <summary>kubectl as a user types it: the server-side Table columns and cells, and the built-in kinds kubectl sends as protobuf.</summary>
public sealed partial class KubectlTableTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kubectl_get_pods_prints_ready_status_restarts_and_age_and_wide_adds_ip_and_node()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var kubectl = new Kubectl(cluster);
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("qwen", 1), "default", cancellationToken: Ct);
        var pod = await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("qwen-0", "default", cancellationToken: Ct),
            p => p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true, "a ready pod");

        var all = Rows(await kubectl.RunAsync("get", "pods", "-A"));
        var wide = Rows(await kubectl.RunAsync("get", "pods", "-o", "wide"));

        Assert.Equal(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"], all[0]);
        Assert.Equal(["default", "qwen-0", "1/1", "Running", "0"], all[1][..5]);
        Assert.Matches(AgePattern(), all[1][5]);
        Assert.Equal(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"], wide[0]);
        Assert.Equal([pod.Status.PodIP, pod.Spec.NodeName, "<none>", "<none>"], wide[1][5..]);
    }

    [Fact]
    public async Task Kubectl_get_prints_the_real_columns_for_nodes_statefulsets_services_claims_namespaces_and_secrets()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var kubectl = new Kubectl(cluster);
        var client = cluster.Client();
        await EngineTests.DeployAsync(cluster, TestCluster.StatefulSet("m", 1), TestCluster.Service("m"));
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync("m", "default", cancellationToken: Ct), s => s.Status?.ReadyReplicas == 1, "ready");
        var service = await client.ReadNamespacedServiceAsync("m", "default", cancellationToken: Ct);

        var nodes = Rows(await kubectl.RunAsync("get", "nodes", "-o", "wide"));
        var sets = Rows(await kubectl.RunAsync("get", "sts", "-o", "wide"));
        var services = Rows(await kubectl.RunAsync("get", "svc", "m", "-o", "wide"));
        var claims = Rows(await kubectl.RunAsync("get", "pvc"));
        var namespaces = Rows(await kubectl.RunAsync("get", "ns"));

        Assert.Equal(["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"], nodes[0]);
        Assert.Equal(["gpu-node-1", "Ready", "<none>"], nodes[1][..3]);
        Assert.Equal(cluster.GpuExporterUrls[0].Host, nodes[1][5]);
        Assert.Equal(["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"], sets[0]);
        Assert.Equal(["m", "1/1"], sets[1][..2]);
        Assert.Equal(["engine", "vllm/vllm-openai:v0.10.1"], sets[1][3..]);
        Assert.Equal(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"], services[0]);
        Assert.Equal(["m", "ClusterIP", service.Spec.ClusterIP, "<none>", "80/TCP"], services[1][..5]);
        Assert.Equal("app=m", services[1][6]);
        Assert.Equal(["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"], claims[0]);
        Assert.Equal(["model-cache-m-0", "Bound"], claims[1][..2]);
        Assert.Equal(["50Gi", "RWO", "standard", "<unset>"], claims[1][3..7]);
        Assert.Equal(["NAME", "STATUS", "AGE"], namespaces[0]);
        Assert.Contains(namespaces, r => r[..2].SequenceEqual(["kube-system", "Active"]));
    }

    [Fact]
    public async Task Kubectl_creates_a_namespace_a_secret_and_a_configmap_which_it_sends_as_protobuf()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var kubectl = new Kubectl(cluster);

        Assert.Contains("namespace/models created", await kubectl.RunAsync("create", "namespace", "models"));
        Assert.Contains("secret/hf created", await kubectl.RunAsync("create", "secret", "generic", "hf", "-n", "models", "--from-literal=token=hf_abc", "--from-literal=user=me"));
        Assert.Contains("configmap/settings created", await kubectl.RunAsync("create", "configmap", "settings", "-n", "models", "--from-literal=dtype=bfloat16"));
        var secret = JsonNode.Parse(await kubectl.RunAsync("get", "secret", "hf", "-n", "models", "-o", "json"))!;
        var secrets = Rows(await kubectl.RunAsync("get", "secrets", "-n", "models"));
        var map = JsonNode.Parse(await kubectl.RunAsync("get", "configmap", "settings", "-n", "models", "-o", "json"))!;

        Assert.Equal("hf_abc", Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]!["token"]!)));
        Assert.Equal("Opaque", (string?)secret["type"]);
        Assert.Equal(["NAME", "TYPE", "DATA", "AGE"], secrets[0]);
        Assert.Equal(["hf", "Opaque", "2"], secrets[1][..3]);
        Assert.Equal("bfloat16", (string?)map["data"]!["dtype"]);
        Assert.Equal("models", (string?)map["metadata"]!["namespace"]);
    }

    [Fact]
    public async Task Kubectl_get_endpoints_and_endpointslices_list_ready_pods_and_mark_the_others_not_ready()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var kubectl = new Kubectl(cluster);
        var client = cluster.Client();
        await EngineTests.DeployAsync(cluster, TestCluster.StatefulSet("ep", 2), TestCluster.Service("ep"));
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync("ep", "default", cancellationToken: Ct), s => s.Status?.ReadyReplicas == 2, "two ready pods");
        var pods = (await client.ListNamespacedPodAsync("default", labelSelector: "app=ep", cancellationToken: Ct)).Items.OrderBy(p => p.Metadata.Name).ToList();

        var endpoints = await TestCluster.EventuallyAsync(async () => Rows(await kubectl.RunAsync("get", "endpoints", "ep")),
            r => r[1][1].Split(',').Length == 2, "both pods in the endpoints");
        cluster.Faults.CrashLoop("default", "ep-1", "fatal error");
        var oneLeft = await TestCluster.EventuallyAsync(() => client.ReadNamespacedEndpointsAsync("ep", "default", cancellationToken: Ct),
            e => e.Subsets?.SingleOrDefault()?.Addresses?.Count == 1 && e.Subsets[0].NotReadyAddresses?.Count == 1, "ep-1 under notReadyAddresses");
        var slices = Rows(await kubectl.RunAsync("get", "endpointslices", "-l", "kubernetes.io/service-name=ep"));
        var slice = (await client.DiscoveryV1.ListNamespacedEndpointSliceAsync("default", labelSelector: "kubernetes.io/service-name=ep", cancellationToken: Ct)).Items.Single();

        Assert.Equal(["NAME", "ENDPOINTS", "AGE"], endpoints[0]);
        Assert.Equal(pods.Select(p => $"{p.Status.PodIP}:8000").Order(), endpoints[1][1].Split(',').Order());
        Assert.Equal(pods[0].Status.PodIP, oneLeft.Subsets[0].Addresses.Single().Ip);
        Assert.Equal("ep-1", oneLeft.Subsets[0].NotReadyAddresses.Single().TargetRef.Name);
        Assert.Equal(["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], slices[0]);
        Assert.Equal(["IPv4", "8000"], slices[1][1..3]);
        Assert.StartsWith("ep-", slice.Metadata.Name);
        Assert.Equal([true, false], slice.Endpoints.OrderBy(e => e.TargetRef.Name).Select(e => e.Conditions.Ready == true));
        Assert.Equal("endpointslice-controller.k8s.io", slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
    }

    [Fact]
    public async Task Kubectl_get_events_shows_type_reason_object_and_message()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var kubectl = new Kubectl(cluster);
        await cluster.Client().CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("big", 1, gpus: 9), "default", cancellationToken: Ct);

        var events = await TestCluster.EventuallyAsync(async () => Rows(await kubectl.RunAsync("get", "events")),
            r => r.Any(row => row.Contains("FailedScheduling")), "a FailedScheduling event");

        Assert.Equal(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], events[0]);
        var failed = events.First(r => r.Contains("FailedScheduling"));
        Assert.Equal(["Warning", "FailedScheduling", "pod/big-0"], failed[1..4]);
        Assert.StartsWith("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.", failed[4]);
    }

    /// <summary>kubectl's table: one row per line, cells split where its tab writer left two or more spaces.</summary>
    private static List<string[]> Rows(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => CellGap().Split(l.Trim())).ToList();

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex CellGap();

    [GeneratedRegex(@"^\d+s$")]
    private static partial Regex AgePattern();
}
