using System.Text.Json;
using k8s;
using k8s.Models;
using Portal.Application.Ports;
using Portal.Application.Reconcile;
using Portal.Domain.Manifests;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>Reads a <see cref="ClusterSnapshot"/>: never one call per deployment, so a pass costs the same for 1 or 1,000.</summary>
public sealed class ClusterSnapshotReader(ClusterConnection connection) : IClusterSnapshotReader
{
    public async Task<ClusterSnapshot> ReadAsync(IReadOnlyList<string> namespaces, CancellationToken cancellationToken)
    {
        var snapshot = new ClusterSnapshot { ListCalls = namespaces.Count * 6 };
        var client = connection.Client;
        foreach (var ns in namespaces)
        {
            var sets = client.AppsV1.ListNamespacedStatefulSetAsync(ns, labelSelector: PortalLabels.ManagedSelector, cancellationToken: cancellationToken);
            var pods = client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: PortalLabels.ManagedSelector, cancellationToken: cancellationToken);
            var services = client.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: PortalLabels.ManagedSelector, cancellationToken: cancellationToken);
            var hpas = client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(ns, labelSelector: PortalLabels.ManagedSelector, cancellationToken: cancellationToken);
            var scaledObjects = ListScaledObjectNamesAsync(client, ns, cancellationToken);
            var events = client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: cancellationToken);

            foreach (var set in (await sets).Items)
            {
                snapshot.Entry(ns, InstanceOf(set.Metadata) ?? set.Name()).StatefulSet = set;
            }

            foreach (var service in (await services).Items)
            {
                snapshot.Entry(ns, InstanceOf(service.Metadata) ?? service.Name()).Service = service;
            }

            foreach (var hpa in (await hpas).Items)
            {
                snapshot.Entry(ns, InstanceOf(hpa.Metadata) ?? hpa.Name()).HasHpa = true;
            }

            foreach (var scaled in await scaledObjects)
            {
                snapshot.Entry(ns, scaled).HasScaledObject = true;
            }

            var podOwners = new Dictionary<string, DeploymentObjects>();
            foreach (var pod in (await pods).Items)
            {
                if (InstanceOf(pod.Metadata) is { } instance)
                {
                    var entry = snapshot.Entry(ns, instance);
                    entry.Pods.Add(pod);
                    podOwners[pod.Name()] = entry;
                }
            }

            foreach (var e in (await events).Items.OrderByDescending(KubernetesEvents.LastSeen))
            {
                var involved = e.InvolvedObject?.Name;
                if (involved is null)
                {
                    continue;
                }

                if (e.InvolvedObject!.Kind == "Pod" && podOwners.TryGetValue(involved, out var owner))
                {
                    owner.Events.Add(e);
                }
                else if (e.InvolvedObject.Kind == "StatefulSet" && snapshot.For(ns, involved) is { IsEmpty: false } set)
                {
                    set.Events.Add(e);
                }
            }
        }

        return snapshot;
    }

    private static string? InstanceOf(V1ObjectMeta? metadata) =>
        metadata?.Labels is { } labels && labels.TryGetValue(PortalLabels.Instance, out var instance) ? instance : null;

    private static async Task<IReadOnlyList<string>> ListScaledObjectNamesAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        try
        {
            var list = await client.CustomObjects.ListNamespacedCustomObjectAsync(
                KedaScaledObject.KubeGroup, KedaScaledObject.KubeApiVersion, ns, KedaScaledObject.KubePluralName,
                labelSelector: PortalLabels.ManagedSelector, cancellationToken: cancellationToken);
            var json = JsonSerializer.SerializeToElement(list);
            return json.TryGetProperty("items", out var items)
                ? items.EnumerateArray()
                    .Select(i => i.GetProperty("metadata"))
                    .Select(m => m.TryGetProperty("labels", out var labels) && labels.TryGetProperty(PortalLabels.Instance, out var instance)
                        ? instance.GetString()
                        : m.GetProperty("name").GetString())
                    .OfType<string>()
                    .ToList()
                : [];
        }
        catch (Exception e) when (ClusterFailure.IsNotFound(e))
        {
            return []; // KEDA is not installed: no ScaledObjects.
        }
    }
}
