using k8s;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Application.Reconcile;
using Portal.Domain.Manifests;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// Asks for a reconcile pass (<see cref="ReconcileSignal"/>) whenever a managed pod (seen by the
/// <see cref="ManagedPodInformer"/>) or StatefulSet (watched here) changes, so a pod turning ready shows on the
/// page within a second or two instead of at the next recurring pass.
/// </summary>
public sealed partial class ClusterWatcher(
    ClusterConnection connection,
    ManagedPodInformer pods,
    ReconcileSignal signal,
    IOptions<KubernetesOptions> kubernetes,
    IOptions<ReconcileOptions> options,
    TimeProvider time,
    ILogger<ClusterWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watches = new List<Task>();
        if (options.Value.Watch)
        {
            pods.Changed += signal.Request;
            watches.AddRange(kubernetes.Value.ManagedNamespaces.Select(ns => WatchStatefulSetsLoopAsync(ns, stoppingToken)));
        }

        try
        {
            await Task.WhenAll(watches);
        }
        finally
        {
            pods.Changed -= signal.Request;
        }
    }

    private async Task WatchStatefulSetsLoopAsync(string ns, CancellationToken stoppingToken)
    {
        var backoff = new WatchBackoff(TimeSpan.FromSeconds(1), time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await WatchStatefulSetsAsync(ns, stoppingToken);
                backoff.Reset();
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

    private async Task WatchStatefulSetsAsync(string ns, CancellationToken stoppingToken)
    {
        var events = connection.Client.AppsV1.WatchListNamespacedStatefulSetAsync(
            ns, labelSelector: PortalLabels.ManagedSelector, cancellationToken: stoppingToken);
        await foreach (var _ in events)
        {
            signal.Request();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch in namespace {Namespace} ended: {Reason}; reconnecting")]
    private partial void LogWatchFailed(string @namespace, string reason);

}
