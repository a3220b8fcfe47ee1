using Microsoft.Extensions.Logging;
using Portal.Simulator.Api;
using Portal.Simulator.Kubelets;

namespace Portal.Simulator.Controllers;

/// <summary>
/// Feeds every change in the store to the controllers, one at a time and in order, like the informers of
/// kube-controller-manager, kube-scheduler and the kubelets would see them.
/// </summary>
internal sealed partial class ControllerManager(
    ObjectStore store,
    StatefulSetController statefulSets,
    Scheduler scheduler,
    Kubelet kubelet,
    VolumeBinder volumes,
    GarbageCollector collector,
    EndpointsController endpoints,
    ILogger<ControllerManager> logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public void Start()
    {
        var events = store.Watch(null, _ => true, _stopping.Token);
        _loop = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in events.ReadAllAsync(_stopping.Token))
                {
                    try
                    {
                        Dispatch(e);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogControllerError(logger, e.Type, e.Object.Type.Kind, e.Object.Key, ex);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private void Dispatch(WatchEvent e)
    {
        var obj = e.Object;
        if (e.Type == WatchEvent.Deleted)
        {
            collector.OnDeleted(obj);
            if (obj.Type == ResourceTypes.Pods)
            {
                scheduler.ScheduleAll();
                ReconcileOwner(obj);
                endpoints.OnPodChanged(obj);
            }
            else if (obj.Type == ResourceTypes.Services)
            {
                endpoints.OnServiceDeleted(obj);
            }

            return;
        }

        collector.OnChanged(obj);
        switch (obj.Type.Plural)
        {
            case "statefulsets":
                statefulSets.Reconcile(obj.Namespace, obj.Name);
                break;
            case "pods":
                if (e.Type == WatchEvent.Added && obj.Object.String("spec.nodeName") is null or "")
                {
                    scheduler.ScheduleAll();
                }

                kubelet.OnPodChanged(obj);
                ReconcileOwner(obj);
                endpoints.OnPodChanged(obj);
                break;
            case "services" when obj.Type == ResourceTypes.Services:
                endpoints.OnServiceChanged(obj);
                break;
            case "persistentvolumeclaims":
                volumes.OnClaimChanged(obj);
                break;
        }
    }

    private void ReconcileOwner(StoredObject pod)
    {
        if (pod.Object.At("metadata.ownerReferences") is System.Text.Json.Nodes.JsonArray refs)
        {
            foreach (var r in refs.OfType<System.Text.Json.Nodes.JsonObject>().Where(r => (string?)r["kind"] == "StatefulSet"))
            {
                statefulSets.Reconcile(pod.Namespace, (string?)r["name"] ?? "");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "controller failed on {Type} {Kind} {Key}")]
    private static partial void LogControllerError(ILogger logger, string type, string kind, string key, Exception exception);
}
