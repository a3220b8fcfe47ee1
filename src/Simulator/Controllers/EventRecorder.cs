using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Portal.Simulator.Api;

namespace Portal.Simulator.Controllers;

/// <summary>Who records an event through the core/v1 recorder: its component and host (the kubelet's node).</summary>
internal sealed record EventSource(string Component, string Host = "");

/// <summary>
/// Records events the two ways current Kubernetes components do, into the one Event storage that both
/// <c>v1</c> and <c>events.k8s.io/v1</c> serve:
/// <list type="bullet">
/// <item>the core/v1 recorder (client-go tools/record), used by the kubelet and the controller manager: a
/// repeat of the same source, object, type, reason and message raises <c>count</c> and <c>lastTimestamp</c>;</item>
/// <item>the events.k8s.io/v1 recorder (client-go tools/events), used by the scheduler: <c>eventTime</c>,
/// <c>action</c>, reporting controller and instance, and a repeat (same type, action, reason, reporter and
/// object, whatever the note) turns into a <c>series</c> with a count and lastObservedTime.</item>
/// </list>
/// </summary>
internal sealed class EventRecorder(ObjectStore store, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, string> _names = new();

    public void Normal(StoredObject about, string reason, string message, string component) => Record(about, "Normal", reason, message, new EventSource(component));

    public void Warning(StoredObject about, string reason, string message, string component) => Record(about, "Warning", reason, message, new EventSource(component));

    /// <summary>The core/v1 recorder: makeEvent plus the EventCorrelator's count of identical events.</summary>
    public void Record(StoredObject about, string type, string reason, string message, EventSource source, string? fieldPath = null)
    {
        var now = time.GetUtcNow();
        var reference = Reference(about, fieldPath);
        var key = string.Join('\u0000', source.Component, source.Host, about.Type.Kind, about.Namespace, about.Name, fieldPath, about.Uid, about.Type.ApiVersion, type, reason, message);
        if (Bump(key, about, e =>
            {
                e["count"] = (e.Long("count") ?? 1) + 1;
                e["lastTimestamp"] = Timestamps.Format(now);
            }))
        {
            return;
        }

        var sourceObject = new JsonObject { ["component"] = source.Component };
        if (source.Host.Length > 0)
        {
            sourceObject["host"] = source.Host;
        }

        Create(key, about, now, new JsonObject
        {
            ["involvedObject"] = reference,
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = sourceObject,
            ["firstTimestamp"] = Timestamps.Format(now),
            ["lastTimestamp"] = Timestamps.Format(now),
            ["count"] = 1,
            ["type"] = type,
            ["eventTime"] = null,
            ["reportingComponent"] = source.Component,
            ["reportingInstance"] = source.Host,
        });
    }

    /// <summary>The events.k8s.io/v1 recorder: makeEvent plus the broadcaster's series of isomorphic events.</summary>
    public void RecordV1(StoredObject regarding, string type, string reason, string action, string note, string reportingController, string reportingInstance)
    {
        var now = time.GetUtcNow();
        var key = string.Join('\u0000', "v1", type, action, reason, reportingController, reportingInstance, regarding.Type.ApiVersion, regarding.Type.Kind, regarding.Namespace, regarding.Name, regarding.Uid);
        if (Bump(key, regarding, e =>
            {
                var series = e["series"] as JsonObject;
                e["series"] = new JsonObject
                {
                    ["count"] = series is null ? 2 : (series.Long("count") ?? 1) + 1,
                    ["lastObservedTime"] = Timestamps.FormatMicro(now),
                };
            }))
        {
            return;
        }

        Create(key, regarding, now, new JsonObject
        {
            ["involvedObject"] = Reference(regarding, null),
            ["reason"] = reason,
            ["message"] = note,
            ["source"] = new JsonObject(),
            ["firstTimestamp"] = null,
            ["lastTimestamp"] = null,
            ["type"] = type,
            ["eventTime"] = Timestamps.FormatMicro(now),
            ["action"] = action,
            ["reportingComponent"] = reportingController,
            ["reportingInstance"] = reportingInstance,
        });
    }

    private static JsonObject Reference(StoredObject about, string? fieldPath)
    {
        var reference = new JsonObject
        {
            ["kind"] = about.Type.Kind,
            ["namespace"] = about.Namespace.Length == 0 ? null : about.Namespace,
            ["name"] = about.Name,
            ["uid"] = about.Uid,
            ["apiVersion"] = about.Type.ApiVersion,
            ["resourceVersion"] = about.ResourceVersion.ToString(),
        };
        if (about.Namespace.Length == 0)
        {
            reference.Remove("namespace");
        }

        if (fieldPath is not null)
        {
            reference["fieldPath"] = fieldPath;
        }

        return reference;
    }

    private bool Bump(string key, StoredObject about, Action<JsonObject> change)
    {
        if (!_names.TryGetValue(key, out var name))
        {
            return false;
        }

        try
        {
            var updated = store.Update(ResourceTypes.Events, EventNamespace(about), name, current =>
            {
                if (current is null)
                {
                    return null;
                }

                var e = current.Clone();
                change(e);
                return e;
            });
            return updated is not null;
        }
        catch (ApiException)
        {
            _names.TryRemove(key, out _);
            return false;
        }
    }

    private void Create(string key, StoredObject about, DateTimeOffset now, JsonObject body)
    {
        // GenerateEventName: the object's name and the time in nanoseconds, in hex.
        var nanos = (now - DateTimeOffset.UnixEpoch).Ticks * 100 + Random.Shared.Next(100);
        var name = $"{about.Name}.{nanos:x}";
        var ns = EventNamespace(about);
        var obj = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        };
        foreach (var (field, value) in body)
        {
            obj[field] = value?.DeepClone();
        }

        try
        {
            store.Create(ResourceTypes.Events, obj);
            _names[key] = name;
        }
        catch (ApiException)
        {
            // The namespace is going away; its events go with it.
        }
    }

    private static string EventNamespace(StoredObject about) => about.Namespace.Length == 0 ? "default" : about.Namespace;
}
