using k8s;
using k8s.Models;
using Portal.Domain.Manifests;
using Portal.Simulator;
using Portal.TestSupport;

namespace Portal.Infrastructure.Tests.Kubernetes;

/// <summary>The golden manifests go through a Kubernetes API server (the simulator) with KubernetesClient's server-side apply.</summary>
public sealed class SimulatedClusterApplyTests : IAsyncLifetime
{
    private const string FieldManager = "inference-portal";
    private SimulatedCluster? _cluster;
    private k8s.Kubernetes? _client;

    private static CancellationToken Cancel => Xunit.TestContext.Current.CancellationToken;

    private k8s.Kubernetes Client => _client!;

    public async ValueTask InitializeAsync()
    {
        _cluster = await SimulatedCluster.StartAsync(new SimulatorOptions { ProbeSecond = PortalOnSimulator.FastSimulator.ProbeSecond, SglangHealthPollInterval = PortalOnSimulator.FastSimulator.SglangHealthPollInterval, ModelLoadTime = TimeSpan.FromMilliseconds(200) }, Cancel);
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _cluster.ApiServerUrl.ToString() });
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public async Task Golden_manifests_pass_a_server_side_dry_run_and_leave_nothing_behind(string framework)
    {
        var objects = GoldenObjects(framework);
        await EnsureNamespaceAsync(objects);

        foreach (var obj in objects)
        {
            await ApplyAsync(obj, dryRun: true);
        }

        var statefulSet = objects.OfType<V1StatefulSet>().Single();
        var list = await Client.AppsV1.ListNamespacedStatefulSetAsync(statefulSet.Namespace(), cancellationToken: Cancel);
        Assert.Empty(list.Items);
    }

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public async Task Applied_golden_manifests_become_a_ready_model_server(string framework)
    {
        var objects = GoldenObjects(framework);
        await EnsureNamespaceAsync(objects);
        foreach (var obj in objects)
        {
            await ApplyAsync(obj, dryRun: false);
        }

        var expected = objects.OfType<V1StatefulSet>().Single();
        var (name, ns) = (expected.Name(), expected.Namespace());
        var stored = await Client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: Cancel);
        Assert.Equal(expected.Spec.Template.Spec.Containers[0].Args, stored.Spec.Template.Spec.Containers[0].Args);
        Assert.Equal(PortalLabels.Revision(GoldenFile.GoldenRevision), stored.Metadata.Annotations[PortalLabels.RevisionAnnotation]);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((stored.Status?.ReadyReplicas ?? 0) < 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Cancel);
            stored = await Client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: Cancel);
        }

        Assert.True(stored.Status?.ReadyReplicas >= 1, $"{framework}: no ready replica within 30 s");
        var managed = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: PortalLabels.SelectorFor(name), cancellationToken: Cancel);
        Assert.NotEmpty(managed.Items);
        Assert.All(managed.Items, p => Assert.Equal(framework, p.Labels()[PortalLabels.Framework]));
    }

    private static IReadOnlyList<object> GoldenObjects(string framework) =>
        ManifestYaml.Deserialize(File.ReadAllText(GoldenFile.PathOf($"{framework}.yaml")));

    private async Task EnsureNamespaceAsync(IReadOnlyList<object> objects)
    {
        var ns = objects.OfType<V1StatefulSet>().Single().Namespace();
        var body = new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns } };
        await Client.CoreV1.PatchNamespaceAsync(Apply(body), ns, fieldManager: FieldManager, force: true, cancellationToken: Cancel);
    }

    private async Task ApplyAsync(object obj, bool dryRun)
    {
        var dry = dryRun ? "All" : null;
        switch (obj)
        {
            case V1Service s:
                await Client.CoreV1.PatchNamespacedServiceAsync(Apply(s), s.Name(), s.Namespace(), dryRun: dry, fieldManager: FieldManager, force: true, cancellationToken: Cancel);
                break;
            case V1StatefulSet s:
                await Client.AppsV1.PatchNamespacedStatefulSetAsync(Apply(s), s.Name(), s.Namespace(), dryRun: dry, fieldManager: FieldManager, force: true, cancellationToken: Cancel);
                break;
            case V2HorizontalPodAutoscaler h:
                await Client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerAsync(Apply(h), h.Name(), h.Namespace(), dryRun: dry, fieldManager: FieldManager, force: true, cancellationToken: Cancel);
                break;
            case KedaScaledObject k:
                await Client.CustomObjects.PatchNamespacedCustomObjectAsync(Apply(k), KedaScaledObject.KubeGroup, KedaScaledObject.KubeApiVersion,
                    k.Metadata.NamespaceProperty, KedaScaledObject.KubePluralName, k.Metadata.Name, dryRun: dry, fieldManager: FieldManager, force: true, cancellationToken: Cancel);
                break;
            default:
                throw new NotSupportedException(obj.GetType().Name);
        }
    }

    private static V1Patch Apply(object obj) => new(KubernetesJson.Serialize(obj), V1Patch.PatchType.ApplyPatch);
}
