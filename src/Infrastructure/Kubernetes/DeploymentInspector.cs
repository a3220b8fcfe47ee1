using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Portal.Application.Ports;
using Portal.Application.Reconcile;
using Portal.Domain.Capacity;
using Portal.Domain.Manifests;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// Reads what one deployment looks like on the cluster for the deployment page: its pods, the
/// events about its objects, and pod logs; plus the cluster's GPU capacity for the deploy wizard.
/// Read-only: every change goes through the deployment commands and jobs.
/// </summary>
public sealed partial class DeploymentInspector(
    ClusterConnection connection,
    Microsoft.Extensions.Options.IOptions<KubernetesOptions> options,
    ILogger<DeploymentInspector> logger) : IClusterInspector
{
    private IKubernetes Client => connection.Client;

    public async Task<IReadOnlyList<PodInfo>> PodsAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var pods = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: PortalLabels.SelectorFor(name), cancellationToken: cancellationToken);
        if (pods.Items.Count == 0)
        {
            return [];
        }

        var products = await GpuProductsByNodeAsync(cancellationToken);
        return pods.Items
            .OrderBy(p => Ordinal(p.Name()))
            .ThenBy(p => p.Name(), StringComparer.Ordinal)
            .Select(p => ToPodInfo(p, products))
            .ToList();
    }

    /// <summary>Events about the deployment's StatefulSet, Service, autoscaler, pods and model-cache claims, newest first.</summary>
    public async Task<IReadOnlyList<EventInfo>> EventsAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var events = await Client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: cancellationToken);
        var podName = new Regex($"^{Regex.Escape(name)}-[0-9]+$", RegexOptions.CultureInvariant);
        var claimName = new Regex($"^{Regex.Escape(ClusterWriter.ModelCacheTemplate)}-{Regex.Escape(name)}-[0-9]+$", RegexOptions.CultureInvariant);
        return events.Items
            .Where(e => e.InvolvedObject is { } o && o.Name is { } objectName && o.Kind switch
            {
                "Pod" => podName.IsMatch(objectName),
                "PersistentVolumeClaim" => claimName.IsMatch(objectName),
                "StatefulSet" or "Service" or "ScaledObject" => objectName == name,
                "HorizontalPodAutoscaler" => objectName == name || objectName == "keda-hpa-" + name, // KEDA's HPA for the ScaledObject
                _ => false,
            })
            .Select(e => new EventInfo(
                e.Type ?? "Normal",
                e.Reason ?? "",
                e.Message ?? "",
                e.InvolvedObject.Kind,
                e.InvolvedObject.Name,
                KubernetesEvents.Count(e),
                LastSeen(e)))
            .OrderByDescending(e => e.LastSeen ?? DateTimeOffset.MinValue)
            .ToList();
    }

    /// <summary>The last <paramref name="tailLines"/> lines of a pod's engine container.</summary>
    public Task<IReadOnlyList<string>> LogTailAsync(string ns, string pod, int tailLines, CancellationToken cancellationToken) =>
        ReadLogAsync(ns, pod, tailLines, previous: false, cancellationToken);

    public Task<IReadOnlyList<string>> PreviousLogTailAsync(string ns, string pod, int tailLines, CancellationToken cancellationToken) =>
        ReadLogAsync(ns, pod, tailLines, previous: true, cancellationToken);

    private async Task<IReadOnlyList<string>> ReadLogAsync(string ns, string pod, int tailLines, bool previous, CancellationToken cancellationToken)
    {
        await using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, tailLines: tailLines, previous: previous, cancellationToken: cancellationToken);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>The last <paramref name="tailLines"/> lines, then every new line until cancelled or the container stops.</summary>
    public async IAsyncEnumerable<string> FollowLogAsync(string ns, string pod, int tailLines, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = await Client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, follow: true, tailLines: tailLines, cancellationToken: cancellationToken);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return line;
        }
    }

    /// <summary>GPUs per node and how many pods hold; <see cref="ClusterCapacity.Unknown"/> when the cluster cannot be read.</summary>
    public async Task<ClusterCapacity> CapacityAsync(CancellationToken cancellationToken)
    {
        try
        {
            var nodes = await Client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken);
            var (pods, allNamespaces) = await PodsHoldingGpusAsync(cancellationToken);
            var inUse = pods
                .Where(p => p.Spec?.NodeName is { Length: > 0 } && p.Status?.Phase is not ("Succeeded" or "Failed"))
                .GroupBy(p => p.Spec.NodeName)
                .ToDictionary(g => g.Key, g => g.Sum(GpusOf));
            var list = nodes.Items
                .Select(n => new NodeGpus(
                    n.Name(),
                    Label(n, PortalLabels.GpuProductNodeLabel),
                    long.TryParse(Label(n, "nvidia.com/gpu.memory"), out var mib) ? mib : null,
                    Quantity(n.Status?.Allocatable, PortalLabels.GpuResource),
                    inUse.GetValueOrDefault(n.Name())))
                .Where(n => n.Gpus > 0)
                .OrderBy(n => n.Node, StringComparer.Ordinal)
                .ToList();
            return new ClusterCapacity(list, true, allNamespaces);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCapacityUnreadable(ClusterFailure.Describe(e));
            return ClusterCapacity.Unknown;
        }
    }

    /// <summary>Every pod when the portal may list them cluster-wide, else the pods of the namespaces it manages.</summary>
    private async Task<(IReadOnlyList<V1Pod> Pods, bool AllNamespaces)> PodsHoldingGpusAsync(CancellationToken cancellationToken)
    {
        try
        {
            return ([.. (await Client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cancellationToken)).Items], true);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            var pods = new List<V1Pod>();
            foreach (var ns in options.Value.ManagedNamespaces)
            {
                pods.AddRange((await Client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken)).Items);
            }

            return (pods, false);
        }
    }

    private async Task<Dictionary<string, string>> GpuProductsByNodeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var nodes = await Client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken);
            return nodes.Items
                .Where(n => Label(n, PortalLabels.GpuProductNodeLabel) is not null)
                .ToDictionary(n => n.Name(), n => Label(n, PortalLabels.GpuProductNodeLabel)!, StringComparer.Ordinal);
        }
        catch (Exception e) when (ClusterFailure.IsTransient(e) || e is k8s.Autorest.HttpOperationException)
        {
            // Nodes may be forbidden to the portal's role; pods still list without their GPU product.
            return [];
        }
    }

    private static PodInfo ToPodInfo(V1Pod pod, IReadOnlyDictionary<string, string> products)
    {
        var status = pod.Status;
        var container = status?.ContainerStatuses?.FirstOrDefault();
        var unscheduled = status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
        var reason = container?.State?.Waiting?.Reason
                     ?? container?.State?.Terminated?.Reason
                     ?? unscheduled?.Reason
                     ?? status?.Reason;
        var message = container?.State?.Waiting?.Message
                      ?? container?.State?.Terminated?.Message
                      ?? unscheduled?.Message
                      ?? status?.Message;
        var node = pod.Spec?.NodeName is { Length: > 0 } n ? n : null;
        return new PodInfo(
            pod.Name(),
            status?.Phase ?? "Unknown",
            status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
            status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0,
            node,
            GpusOf(pod),
            node is not null && products.TryGetValue(node, out var product) ? product : (pod.Spec?.NodeSelector is { } selector && selector.TryGetValue(PortalLabels.GpuProductNodeLabel, out var wanted) ? wanted : null),
            status?.PodIP,
            pod.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null,
            pod.Metadata.DeletionTimestamp is not null,
            reason,
            message,
            ConditionTime(pod, "PodScheduled"),
            status?.ContainerStatuses?.Select(c => c.State?.Running?.StartedAt).Where(t => t is not null).Min() is { } started ? Utc(started) : null,
            ConditionTime(pod, "Ready"));
    }

    private static DateTimeOffset? ConditionTime(V1Pod pod, string type) =>
        pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type && c.Status == "True")?.LastTransitionTime is { } at ? Utc(at) : null;

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private static int GpusOf(V1Pod pod) =>
        pod.Spec?.Containers?.Sum(c => Quantity(c.Resources?.Limits, PortalLabels.GpuResource)) ?? 0;

    private static int Quantity(IDictionary<string, ResourceQuantity>? list, string key) =>
        list is not null && list.TryGetValue(key, out var quantity) ? (int)quantity.ToInt64() : 0;

    private static string? Label(V1Node node, string key) =>
        node.Metadata?.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;

    private static int Ordinal(string podName) =>
        int.TryParse(podName[(podName.LastIndexOf('-') + 1)..], out var ordinal) ? ordinal : int.MaxValue;

    private static DateTimeOffset? LastSeen(Corev1Event e)
    {
        var time = KubernetesEvents.LastSeen(e);
        return time == DateTime.MinValue ? null : new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read the cluster's GPU capacity: {Reason}")]
    private partial void LogCapacityUnreadable(string reason);
}
