using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Portal.Application.Ports;
using Portal.Application.Reconcile;
using Portal.Domain.Deployments;

namespace Portal.Application.Autoscaling;

/// <summary>
/// Wakes a deployment that KEDA scaled to zero when a request is waiting for it: records a Wake operation, sets
/// KEDA's force-activation annotation (KEDA scales the StatefulSet to one on its next poll and keeps it active),
/// waits until a pod is Ready, measures the cold start from the pod's own timestamps, then removes the annotation
/// so the cooldown can bring it back to zero when the traffic stops. One wake per deployment at a time; callers
/// that arrive during a wake share it. The gateway asks; it never writes to the cluster itself.
/// </summary>
public sealed partial class ModelWaker(
    IDeploymentStore store,
    IOperationLog log,
    IClusterWriter cluster,
    IClusterInspector inspector,
    IClusterResilience resilience,
    ReconcileSignal reconcile,
    TimeProvider time,
    ILogger<ModelWaker> logger) : IDisposable
{
    public const string RequestedBy = "gateway";

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, Task<ColdStart?>> _waking = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ColdStart> _last = new(StringComparer.Ordinal);

    /// <summary>How often the pods are looked at while waiting for the first Ready one.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Starts a wake of <paramref name="name"/> unless one is running; the task ends when a pod is Ready (or the wake gave up).</summary>
    public Task<ColdStart?> WakeAsync(string name, string ns, TimeSpan limit)
    {
        var task = _waking.GetOrAdd(name, _ => Task.Run(() => RunAsync(name, ns, limit, _stopping.Token)));
        _ = task.ContinueWith(_ => _waking.TryRemove(new KeyValuePair<string, Task<ColdStart?>>(name, task)), TaskScheduler.Default);
        return task;
    }

    /// <summary>The deployment's last measured cold start, or null when it never woke.</summary>
    public async Task<ColdStart?> LastColdStartAsync(string name, CancellationToken cancellationToken)
    {
        if (_last.TryGetValue(name, out var known))
        {
            return known;
        }

        var operations = await store.OperationsAsync(name, 200, cancellationToken);
        var last = operations
            .Where(o => o.Kind == OperationKind.Wake && o.Outcome == OperationOutcome.Succeeded)
            .Select(o => OperationParameters.FromJson(o.Parameters).ColdStart)
            .FirstOrDefault(c => c is not null);
        if (last is not null)
        {
            _last.TryAdd(name, last);
        }

        return last;
    }

    private async Task<ColdStart?> RunAsync(string name, string ns, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deployment = await store.FindAsync(name, cancellationToken);
        if (deployment is null)
        {
            return null;
        }

        var requested = time.GetUtcNow();
        var operation = new Operation
        {
            DeploymentId = deployment.Id,
            DeploymentName = deployment.Name,
            Kind = OperationKind.Wake,
            Revision = deployment.Revision,
            RequestedBy = RequestedBy,
            RequestedAt = requested,
            Reason = "a request arrived while it was scaled to zero",
        };
        await store.AddOperationAsync(operation, cancellationToken);
        await log.StartAsync(operation.Id, cancellationToken);
        var activated = false;
        try
        {
            await resilience.RunAsync(ct => cluster.SetForceActivationAsync(ns, name, true, ct), reason => log.RetryingAsync(operation.Id, reason, cancellationToken), cancellationToken);
            activated = true;
            LogWaking(name);
            var deadline = requested + limit;
            while (true)
            {
                var pods = await inspector.PodsAsync(ns, name, cancellationToken);
                if (pods.FirstOrDefault(p => p.Ready && !p.Terminating) is { } pod)
                {
                    var cold = Measure(requested, pod);
                    await log.SetParametersAsync(operation.Id, new OperationParameters(ColdStart: cold), cancellationToken);
                    await log.FinishAsync(operation.Id, OperationOutcome.Succeeded, Describe(pod.Name, cold), cancellationToken);
                    _last[name] = cold;
                    return cold;
                }

                if (time.GetUtcNow() > deadline)
                {
                    await log.FinishAsync(operation.Id, OperationOutcome.Failed, $"no pod was Ready within {limit.TotalSeconds:0} s", cancellationToken);
                    return null;
                }

                await Task.Delay(PollInterval, time, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = resilience.Describe(e);
            LogWakeFailed(name, reason);
            await log.FinishAsync(operation.Id, OperationOutcome.Failed, reason, CancellationToken.None);
            return null;
        }
        finally
        {
            if (activated)
            {
                try
                {
                    await resilience.RunAsync(ct => cluster.SetForceActivationAsync(ns, name, false, ct), _ => Task.CompletedTask, CancellationToken.None);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogWakeFailed(name, "the force-activation annotation could not be removed: " + resilience.Describe(e));
                }
            }

            reconcile.Request();
        }
    }

    /// <summary>The stages from the pod's timestamps; a stage whose timestamp is missing counts as zero.</summary>
    public static ColdStart Measure(DateTimeOffset requested, PodInfo pod)
    {
        var created = Later(requested, pod.CreatedAt ?? requested);
        var scheduled = Later(created, pod.ScheduledAt ?? created);
        var started = Later(scheduled, pod.StartedAt ?? scheduled);
        var ready = Later(started, pod.ReadyAt ?? started);
        return new ColdStart(
            Seconds(created - requested), Seconds(scheduled - created), Seconds(started - scheduled), Seconds(ready - started));
    }

    public static string Describe(string pod, ColdStart cold) => string.Create(CultureInfo.InvariantCulture,
        $"woke in {cold.Total:0.0} s ({pod}): activation {cold.Activation:0.0} s, scheduled {cold.Scheduled:0.0} s, image {cold.Image:0.0} s, model load {cold.ModelLoad:0.0} s");

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 2);

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Waking {Name}: a request is waiting")]
    private partial void LogWaking(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waking {Name} failed: {Reason}")]
    private partial void LogWakeFailed(string name, string reason);
}
