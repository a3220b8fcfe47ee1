using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Manifests;
using Portal.Jobs.Cluster;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// Runs a reconcile pass shortly after a managed pod (seen by the <see cref="ManagedPodInformer"/>)
/// or StatefulSet (watched here) changes, or a job asks for one through <see cref="ReconcileSignal"/>, so a pod turning ready
/// shows on the page within a second or two instead of at the next recurring pass. A burst of
/// events costs one pass (debounce).
/// </summary>
public sealed partial class ClusterWatcher(
    ClusterConnection connection,
    ManagedPodInformer pods,
    ReconcileSignal signal,
    IServiceScopeFactory scopes,
    IOptions<KubernetesOptions> kubernetes,
    IOptions<ReconcileOptions> options,
    TimeProvider time,
    ILogger<ClusterWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watches = new List<Task> { ReconcileOnRequestAsync(stoppingToken) };
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

    private async Task ReconcileOnRequestAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(stoppingToken);
                await Task.Delay(options.Value.WatchDebounce, time, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ReconcileJob>().RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogPassFailed(e.Message);
            }
        }
    }

    private async Task WatchStatefulSetsLoopAsync(string ns, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await WatchStatefulSetsAsync(ns, stoppingToken);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWatchFailed(ns, e.Message);
                try
                {
                    await Task.Delay(backoff, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile after a cluster change failed: {Reason}")]
    private partial void LogPassFailed(string reason);
}
