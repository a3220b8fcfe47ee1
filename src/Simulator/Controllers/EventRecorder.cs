using System.Text.Json.Nodes;
using Portal.Simulator.Api;

namespace Portal.Simulator.Controllers;

/// <summary>Records core/v1 Events, folding a repeat of the same reason and message into a count, as the real recorder does.</summary>
internal sealed class EventRecorder(ObjectStore store, TimeProvider time)
{
    public void Normal(StoredObject about, string reason, string message, string component) => Record(about, "Normal", reason, message, component);

    public void Warning(StoredObject about, string reason, string message, string component) => Record(about, "Warning", reason, message, component);

    private void Record(StoredObject about, string type, string reason, string message, string component)
    {
        var ns = about.Namespace.Length == 0 ? "default" : about.Namespace;
        var now = Timestamps.Format(time.GetUtcNow());
        var existing = store.List(ResourceTypes.Events, ns).Items.FirstOrDefault(e =>
            e.Object.String("involvedObject.uid") == about.Uid && e.Object.String("reason") == reason && e.Object.String("message") == message);
        try
        {
            if (existing is not null)
            {
                store.Update(ResourceTypes.Events, ns, existing.Name, current =>
                {
                    if (current is null)
                    {
                        return null;
                    }

                    var e = current.Clone();
                    e["count"] = (current.Object.Long("count") ?? 1) + 1;
                    e["lastTimestamp"] = now;
                    return e;
                });
                return;
            }

            store.Create(ResourceTypes.Events, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = $"{about.Name}.{Guid.NewGuid().ToString("N")[..16]}", ["namespace"] = ns },
                ["involvedObject"] = new JsonObject
                {
                    ["kind"] = about.Type.Kind,
                    ["namespace"] = about.Namespace.Length == 0 ? null : about.Namespace,
                    ["name"] = about.Name,
                    ["uid"] = about.Uid,
                    ["apiVersion"] = about.Type.ApiVersion,
                    ["resourceVersion"] = about.ResourceVersion.ToString(),
                },
                ["reason"] = reason,
                ["message"] = message,
                ["source"] = new JsonObject { ["component"] = component },
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = 1,
                ["type"] = type,
                ["eventTime"] = null,
                ["reportingComponent"] = component,
                ["reportingInstance"] = "",
            });
        }
        catch (ApiException)
        {
            // The namespace is going away; its events go with it.
        }
    }
}
