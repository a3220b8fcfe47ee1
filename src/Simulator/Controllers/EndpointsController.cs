using System.Text.Json.Nodes;
using Portal.Simulator.Api;

namespace Portal.Simulator.Controllers;

/// <summary>
/// The endpoints and endpointslice controllers: for every Service with a selector, an Endpoints object of the
/// same name (ready pods under <c>addresses</c>, the others under <c>notReadyAddresses</c>, terminating pods
/// left out) and an EndpointSlice labelled with the service name (every pod with an IP, with
/// <c>conditions.ready</c>, <c>serving</c> and <c>terminating</c>), both rewritten whenever a pod changes.
/// </summary>
internal sealed class EndpointsController(ResourceApi api)
{
    public const string SliceManager = "endpointslice-controller.k8s.io";
    private ObjectStore Store => api.Store;

    public void OnServiceChanged(StoredObject service) => Reconcile(service);

    public void OnServiceDeleted(StoredObject service)
    {
        // The Endpoints object has no owner reference; the controller deletes it. Slices go with their owner (garbage collector).
        if (Store.Get(ResourceTypes.Endpoints, service.Namespace, service.Name) is not null)
        {
            Store.Delete(ResourceTypes.Endpoints, service.Namespace, service.Name);
        }
    }

    public void OnPodChanged(StoredObject pod)
    {
        foreach (var service in Store.List(ResourceTypes.Services, pod.Namespace).Items)
        {
            if (Selector(service) is { } selector && selector.Matches(pod.Labels))
            {
                Reconcile(service);
            }
        }
    }

    private void Reconcile(StoredObject service)
    {
        if (service.Object.At("metadata.deletionTimestamp") is not null || Selector(service) is not { } selector)
        {
            return;
        }

        var pods = Store.List(ResourceTypes.Pods, service.Namespace).Items
            .Where(p => selector.Matches(p.Labels) && p.Object.String("status.podIP") is { Length: > 0 })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        var servicePorts = (service.Object.At("spec.ports") as JsonArray ?? []).OfType<JsonObject>().ToList();
        WriteEndpoints(service, pods, servicePorts);
        WriteSlice(service, pods, servicePorts);
    }

    private void WriteEndpoints(StoredObject service, List<StoredObject> pods, List<JsonObject> servicePorts)
    {
        var live = pods.Where(p => p.Object.At("metadata.deletionTimestamp") is null).ToList();
        var ready = live.Where(IsReady).Select(Address).ToArray();
        var notReady = live.Where(p => !IsReady(p)).Select(Address).ToArray();
        var subset = new JsonObject();
        if (ready.Length > 0)
        {
            subset["addresses"] = new JsonArray(ready);
        }

        if (notReady.Length > 0)
        {
            subset["notReadyAddresses"] = new JsonArray(notReady);
        }

        var ports = live.Count > 0 ? Ports(servicePorts, live[0]) : [];
        if (ports.Count > 0)
        {
            subset["ports"] = new JsonArray(ports.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["port"] = p.Port, ["protocol"] = p.Protocol }).ToArray());
        }

        var endpoints = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject
            {
                ["name"] = service.Name,
                ["namespace"] = service.Namespace,
                ["labels"] = service.Object.At("metadata.labels")?.DeepClone(),
            },
        };
        if (subset.ContainsKey("addresses") || subset.ContainsKey("notReadyAddresses"))
        {
            endpoints["subsets"] = new JsonArray(subset);
        }

        if (endpoints.Metadata()["labels"] is null)
        {
            endpoints.Metadata().Remove("labels");
        }

        Upsert(ResourceTypes.Endpoints, service.Namespace, service.Name, endpoints);
    }

    private void WriteSlice(StoredObject service, List<StoredObject> pods, List<JsonObject> servicePorts)
    {
        var existing = Store.List(ResourceTypes.EndpointSlices, service.Namespace).Items
            .FirstOrDefault(s => s.Labels.GetValueOrDefault("kubernetes.io/service-name") == service.Name);
        var labels = service.Object.At("metadata.labels")?.DeepClone() as JsonObject ?? new JsonObject();
        labels["kubernetes.io/service-name"] = service.Name;
        labels["endpointslice.kubernetes.io/managed-by"] = SliceManager;
        var ports = pods.Count > 0 ? Ports(servicePorts, pods[0]) : [];
        var slice = new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["name"] = existing?.Name ?? $"{service.Name}-{Admission.RandomSuffix()}",
                ["generateName"] = service.Name + "-",
                ["namespace"] = service.Namespace,
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Service",
                    ["name"] = service.Name,
                    ["uid"] = service.Uid,
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["addressType"] = "IPv4",
            ["endpoints"] = new JsonArray(pods.Select(p =>
            {
                var terminating = p.Object.At("metadata.deletionTimestamp") is not null;
                var ready = IsReady(p);
                return (JsonNode)new JsonObject
                {
                    ["addresses"] = new JsonArray(p.Object.String("status.podIP")),
                    ["conditions"] = new JsonObject { ["ready"] = ready && !terminating, ["serving"] = ready, ["terminating"] = terminating },
                    ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = p.Namespace, ["name"] = p.Name, ["uid"] = p.Uid },
                    ["nodeName"] = p.Object.String("spec.nodeName"),
                };
            }).ToArray()),
            ["ports"] = new JsonArray(ports.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["protocol"] = p.Protocol, ["port"] = p.Port }).ToArray()),
        };
        Upsert(ResourceTypes.EndpointSlices, service.Namespace, slice.Metadata()["name"]!.ToString(), slice);
    }

    private void Upsert(ResourceType type, string ns, string name, JsonObject desired)
    {
        try
        {
            if (Store.Get(type, ns, name) is null)
            {
                Store.Create(type, desired);
                return;
            }

            Store.Update(type, ns, name, current =>
            {
                if (current is null)
                {
                    return null;
                }

                var next = desired.DeepClone().AsObject();
                var metadata = current.Object.Metadata().DeepClone().AsObject();
                metadata["labels"] = desired.Metadata()["labels"]?.DeepClone();
                next["metadata"] = metadata;
                return next;
            });
        }
        catch (ApiException)
        {
            // The namespace is going away, or another writer got there first; the next pod change tries again.
        }
    }

    private static JsonObject Address(StoredObject pod) => new()
    {
        ["ip"] = pod.Object.String("status.podIP"),
        ["nodeName"] = pod.Object.String("spec.nodeName"),
        ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = pod.Namespace, ["name"] = pod.Name, ["uid"] = pod.Uid },
    };

    /// <summary>The service's ports with their target ports resolved against the pod (a named targetPort is looked up in its containers).</summary>
    private static List<(string? Name, long Port, string Protocol)> Ports(List<JsonObject> servicePorts, StoredObject pod)
    {
        var result = new List<(string?, long, string)>();
        foreach (var port in servicePorts)
        {
            var target = port["targetPort"] ?? port["port"];
            long? number = long.TryParse(target?.ToString(), out var n) ? n
                : (pod.Object.At("spec.containers") as JsonArray ?? []).OfType<JsonObject>().SelectMany(c => c["ports"] as JsonArray ?? []).OfType<JsonObject>()
                    .FirstOrDefault(p => (string?)p["name"] == target?.ToString())?.Long("containerPort");
            if (number is { } resolved)
            {
                result.Add(((string?)port["name"], resolved, port.String("protocol") ?? "TCP"));
            }
        }

        return result;
    }

    private static LabelSelector? Selector(StoredObject service) =>
        service.Object.At("spec.selector") is JsonObject { Count: > 0 } selector
            ? LabelSelector.FromObject(new JsonObject { ["matchLabels"] = selector.DeepClone() })
            : null;

    private static bool IsReady(StoredObject pod) => PodConditions.IsTrue(pod.Object, "Ready");
}
