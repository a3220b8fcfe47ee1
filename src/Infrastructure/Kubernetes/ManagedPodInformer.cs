using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Application.Ports;
using Portal.Domain.Manifests;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// The pods the portal manages, kept current by a list-then-watch per namespace (an informer):
/// one watch per namespace for the whole host, read by the gateway's routes and by the watch
/// that triggers reconcile. <see cref="Changed"/> fires after every change it sees.
/// </summary>
public sealed partial class ManagedPodInformer(
    ClusterConnection connection,
    PodAddressing addressing,
    IOptions<KubernetesOptions> kubernetes,
    TimeProvider time,
    ILogger<ManagedPodInformer> logger) : BackgroundService, IPodDirectory
{
    private readonly Channel<string> _namespaces = Channel.CreateUnbounded<string>();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<string, V1Pod>> _podsByNamespace = new(StringComparer.Ordinal);
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal);

    /// <summary>Raised after the pods of a namespace changed (listed again, added, modified or deleted).</summary>
    public event Action? Changed;

    /// <summary>Starts watching a namespace beyond the configured ones (a deployment's own); idempotent.</summary>
    public void Watch(string ns)
    {
        lock (_lock)
        {
            if (!_watched.Add(ns))
            {
                return;
            }
        }

        _namespaces.Writer.TryWrite(ns);
    }

    /// <summary>The pods of a namespace as last seen; empty until its first list.</summary>
    public IReadOnlyList<V1Pod> Pods(string ns)
    {
        lock (_lock)
        {
            return _podsByNamespace.TryGetValue(ns, out var pods) ? [.. pods.Values] : [];
        }
    }

    public Uri BaseUri(V1Pod pod, int port) => addressing.BaseUri(pod, port);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var ns in kubernetes.Value.ManagedNamespaces)
        {
            Watch(ns);
        }

        var loops = new List<Task>();
        try
        {
            await foreach (var ns in _namespaces.Reader.ReadAllAsync(stoppingToken))
            {
                loops.Add(WatchLoopAsync(ns, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(loops);
    }

    /// <summary>List, then watch from that list's resource version; on any end or error, list again (with back-off on errors).</summary>
    private async Task WatchLoopAsync(string ns, CancellationToken stoppingToken)
    {
        var backoff = new WatchBackoff(TimeSpan.FromMilliseconds(500), time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var list = await connection.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: PortalLabels.ManagedSelector, cancellationToken: stoppingToken);
                lock (_lock)
                {
                    _podsByNamespace[ns] = list.Items.ToDictionary(p => p.Name(), StringComparer.Ordinal);
                }

                Changed?.Invoke();
                backoff.Reset();
                var events = connection.Client.CoreV1.WatchListNamespacedPodAsync(
                    ns, labelSelector: PortalLabels.ManagedSelector, resourceVersion: list.Metadata?.ResourceVersion, cancellationToken: stoppingToken);
                await foreach (var (type, pod) in events.WithCancellation(stoppingToken))
                {
                    if (type is not (WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted) || pod?.Metadata?.Name is null)
                    {
                        continue;
                    }

                    lock (_lock)
                    {
                        var pods = _podsByNamespace[ns];
                        if (type == WatchEventType.Deleted)
                        {
                            pods.Remove(pod.Name());
                        }
                        else
                        {
                            pods[pod.Name()] = pod;
                        }
                    }

                    Changed?.Invoke();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWatchFailed(ns, e.Message);
                if (!await backoff.WaitAsync(stoppingToken))
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pod watch in namespace {Namespace} ended: {Reason}; listing again")]
    private partial void LogWatchFailed(string @namespace, string reason);
}
