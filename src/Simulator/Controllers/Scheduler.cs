using System.Text.Json.Nodes;
using Portal.Simulator.Api;

namespace Portal.Simulator.Controllers;

/// <summary>
/// The kube-scheduler, reduced to what matters here: a pod goes to the first node that matches its
/// nodeSelector and has enough free <c>nvidia.com/gpu</c>; otherwise it stays Pending with a
/// FailedScheduling event worded like the real scheduler's, and is tried again when capacity frees up.
/// </summary>
internal sealed class Scheduler(ObjectStore store, GpuAllocator gpus, EventRecorder events, TimeProvider time, string host)
{
    private const string Component = "default-scheduler";

    /// <summary>The events.k8s.io reporting instance: the scheduler's name and its host.</summary>
    private string Instance => $"{Component}-{host}";

    /// <summary>Tries to place every unscheduled pod, oldest first.</summary>
    public void ScheduleAll()
    {
        var pending = store.List(ResourceTypes.Pods, null).Items
            .Where(p => p.Object.String("spec.nodeName") is null or "" && p.Object.At("metadata.deletionTimestamp") is null)
            .OrderBy(p => p.ResourceVersion);
        foreach (var pod in pending)
        {
            Schedule(pod);
        }
    }

    private void Schedule(StoredObject pod)
    {
        var wanted = GpuAllocator.Requested(pod.Object);
        var selector = pod.Object.At("spec.nodeSelector") as JsonObject;
        var filter = new List<NodeStatus>();
        foreach (var node in gpus.Nodes)
        {
            if (selector is not null && !MatchesSelector(node, selector))
            {
                filter.Add(new NodeStatus(node, "node(s) didn't match Pod's node affinity/selector", Resolvable: false));
                continue;
            }

            if (gpus.Free(node) < wanted || !gpus.TryReserve(node, pod.Key, wanted))
            {
                filter.Add(new NodeStatus(node, "Insufficient nvidia.com/gpu", Resolvable: true));
                continue;
            }

            Bind(pod, node);
            return;
        }

        var message = FitError(filter);
        var updated = store.Update(ResourceTypes.Pods, pod.Namespace, pod.Name, current =>
        {
            if (current is null || current.Object.String("spec.nodeName") is { Length: > 0 })
            {
                return null;
            }

            var obj = current.Clone();
            SetCondition(obj, "PodScheduled", "False", "Unschedulable", message);
            return obj;
        });
        if (updated is not null)
        {
            events.RecordV1(updated, "Warning", "FailedScheduling", "Scheduling", message, Component, Instance);
        }
    }

    /// <summary>
    /// FitError.Error(): "0/N nodes are available: " and the filter reasons as "count reason", sorted as
    /// strings, then DefaultPreemption's PostFilter message. Preemption looks only at nodes whose failure
    /// preemption could resolve; with no lower-priority pod there it finds no victims, and every other node
    /// is "Preemption is not helpful for scheduling".
    /// </summary>
    private string FitError(List<NodeStatus> filter)
    {
        var total = gpus.Nodes.Count;
        var preemption = filter.Select(s => s.Resolvable ? "No preemption victims found for incoming pod" : "Preemption is not helpful for scheduling").ToList();
        preemption.AddRange(Enumerable.Repeat("Preemption is not helpful for scheduling", total - filter.Count));
        return $"0/{total} nodes are available: {Histogram(filter.Select(s => s.Reason))}. preemption: 0/{total} nodes are available: {Histogram(preemption)}.";
    }

    private static string Histogram(IEnumerable<string> reasons) =>
        string.Join(", ", reasons.GroupBy(r => r).Select(g => $"{g.Count()} {g.Key}").Order(StringComparer.Ordinal));

    private sealed record NodeStatus(SimulatedNode Node, string Reason, bool Resolvable);

    private void Bind(StoredObject pod, SimulatedNode node)
    {
        var bound = store.Update(ResourceTypes.Pods, pod.Namespace, pod.Name, current =>
        {
            if (current is null)
            {
                return null;
            }

            var obj = current.Clone();
            obj.Child("spec")["nodeName"] = node.Name;
            SetCondition(obj, "PodScheduled", "True", null, null);
            return obj;
        });
        if (bound is null)
        {
            gpus.Release(pod.Key);
            return;
        }

        events.RecordV1(bound, "Normal", "Scheduled", "Binding", $"Successfully assigned {pod.Namespace}/{pod.Name} to {node.Name}", Component, Instance);
    }

    private static bool MatchesSelector(SimulatedNode node, JsonObject selector)
    {
        var labels = node.ToObject().At("metadata.labels") as JsonObject;
        return selector.All(s => labels?[s.Key]?.ToString() == s.Value?.ToString());
    }

    private void SetCondition(JsonObject pod, string type, string status, string? reason, string? message) =>
        PodConditions.Set(pod, type, status, reason, message, time);
}

internal static class PodConditions
{
    /// <summary>Sets a status condition; its lastTransitionTime moves only when its status changes.</summary>
    public static void Set(JsonObject obj, string type, string status, string? reason, string? message, TimeProvider time)
    {
        var statusObj = obj.Child("status");
        var conditions = statusObj["conditions"] as JsonArray ?? [];
        statusObj["conditions"] = conditions;
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);
        if (existing is null)
        {
            existing = new JsonObject { ["type"] = type };
            conditions.Add(existing);
        }

        if ((string?)existing["status"] != status)
        {
            existing["lastTransitionTime"] = Timestamps.Format(time.GetUtcNow());
        }

        existing["status"] = status;
        existing["lastProbeTime"] = null;
        if (reason is null)
        {
            existing.Remove("reason");
        }
        else
        {
            existing["reason"] = reason;
        }

        if (message is null)
        {
            existing.Remove("message");
        }
        else
        {
            existing["message"] = message;
        }
    }

    public static bool IsTrue(JsonObject obj, string type) =>
        obj.At("status.conditions") is JsonArray conditions
        && conditions.Any(c => (string?)c?["type"] == type && (string?)c?["status"] == "True");
}
