using k8s;
using Portal.Simulator;

namespace Portal.Reliability.Support;

/// <summary>Counts what is in the simulated cluster through its own API, as kubectl would see it.</summary>
public sealed class ClusterObjects(SimulatedCluster cluster) : IDisposable
{
    private readonly Kubernetes _client = new(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath));

    public IKubernetes Client => _client;

    /// <summary>StatefulSets, Services, Secrets, PVCs, HPAs and pods the portal could have made in the given namespaces.</summary>
    public async Task<ObjectCounts> CountAsync(IEnumerable<string> namespaces, CancellationToken cancellationToken)
    {
        var counts = new ObjectCounts(0, 0, 0, 0, 0, 0);
        foreach (var ns in namespaces)
        {
            var existing = await _client.CoreV1.ListNamespaceAsync(cancellationToken: cancellationToken);
            if (!existing.Items.Any(n => n.Metadata.Name == ns))
            {
                continue;
            }

            counts = counts with
            {
                StatefulSets = counts.StatefulSets + (await _client.AppsV1.ListNamespacedStatefulSetAsync(ns, cancellationToken: cancellationToken)).Items.Count,
                Services = counts.Services + (await _client.CoreV1.ListNamespacedServiceAsync(ns, cancellationToken: cancellationToken)).Items.Count,
                Secrets = counts.Secrets + (await _client.CoreV1.ListNamespacedSecretAsync(ns, cancellationToken: cancellationToken)).Items.Count,
                Claims = counts.Claims + (await _client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: cancellationToken)).Items.Count,
                Autoscalers = counts.Autoscalers + (await _client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(ns, cancellationToken: cancellationToken)).Items.Count,
                Pods = counts.Pods + (await _client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken)).Items.Count,
            };
        }

        return counts;
    }

    public void Dispose() => _client.Dispose();
}

public sealed record ObjectCounts(int StatefulSets, int Services, int Secrets, int Claims, int Autoscalers, int Pods)
{
    public int Total => StatefulSets + Services + Secrets + Claims + Autoscalers + Pods;
}
