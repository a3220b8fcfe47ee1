using System.Net;
using System.Text.Json.Nodes;

namespace Portal.Simulator.Api.Tables;

/// <summary>
/// The API server's Table printers for the kinds served here: the columns, their order and the cell formats of
/// kubernetes pkg/printers/internalversion/printers.go. Kinds without a printer get the default table.
/// </summary>
internal static class Printers
{
    private const string NameDoc = "Name must be unique within a namespace.";
    private const string AgeDoc = "CreationTimestamp is a timestamp representing the server time when this object was created.";
    private static readonly TableColumn Name = new("Name", Format: "name", Description: NameDoc);
    private static readonly TableColumn Age = new("Age", Description: AgeDoc);

    public static ITablePrinter For(ResourceType type) => type.Plural switch
    {
        "pods" => Pod,
        "nodes" => Node,
        "statefulsets" => StatefulSet,
        "deployments" => Deployment,
        "services" => Service,
        "persistentvolumeclaims" => Claim,
        "events" => Event,
        "namespaces" => Namespace,
        "secrets" => Secret,
        "configmaps" => ConfigMap,
        "endpoints" => Endpoints,
        "endpointslices" => EndpointSlice,
        _ when type.Group == "keda.sh" => CustomResource,
        _ => Default,
    };

    private static readonly ITablePrinter Pod = new TablePrinter(
        [
            Name, new("Ready", Description: "The aggregate readiness state of this pod for accepting traffic."),
            new("Status", Description: "The aggregate status of the containers in this pod."),
            new("Restarts", Description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            Age, new("IP", Priority: 1), new("Node", Priority: 1), new("Nominated Node", Priority: 1), new("Readiness Gates", Priority: 1),
        ],
        PodCells);

    private static readonly ITablePrinter Node = new TablePrinter(
        [
            Name, new("Status", Description: "The status of the node"), new("Roles", Description: "The roles of the node"), Age, new("Version"),
            new("Internal-IP", Priority: 1), new("External-IP", Priority: 1), new("OS-Image", Priority: 1), new("Kernel-Version", Priority: 1),
            new("Container-Runtime", Priority: 1),
        ],
        (o, now) =>
        {
            var ready = Conditions(o).FirstOrDefault(c => (string?)c["type"] == "Ready");
            var status = new List<string> { ready is null ? "Unknown" : (string?)ready["status"] == "True" ? "Ready" : "NotReady" };
            if ((bool?)o.At("spec.unschedulable") == true)
            {
                status.Add("SchedulingDisabled");
            }

            var roles = (o.At("metadata.labels") as JsonObject ?? [])
                .Select(l => l.Key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal) ? l.Key["node-role.kubernetes.io/".Length..]
                    : l.Key == "kubernetes.io/role" ? l.Value?.ToString() ?? "" : "")
                .Where(r => r.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
            string Address(string kind) => (o.At("status.addresses") as JsonArray ?? []).OfType<JsonObject>()
                .FirstOrDefault(a => (string?)a["type"] == kind)?["address"]?.ToString() ?? "<none>";
            string Info(string field) => o.String($"status.nodeInfo.{field}") is { Length: > 0 } v ? v : "<unknown>";
            return Strings(o.String("metadata.name"), string.Join(",", status), roles.Count == 0 ? "<none>" : string.Join(",", roles), AgeOf(o, now),
                o.String("status.nodeInfo.kubeletVersion"), Address("InternalIP"), Address("ExternalIP"), Info("osImage"), Info("kernelVersion"), Info("containerRuntimeVersion"));
        });

    private static readonly ITablePrinter StatefulSet = new TablePrinter(
        [Name, new("Ready", Description: "Number of the pod with ready state"), Age, new("Containers", Priority: 1), new("Images", Priority: 1)],
        (o, now) =>
        {
            var (names, images) = ContainerCells(o.At("spec.template.spec.containers"));
            return Strings(o.String("metadata.name"), $"{o.Long("status.readyReplicas") ?? 0}/{o.Long("spec.replicas") ?? 0}", AgeOf(o, now), names, images);
        });

    private static readonly ITablePrinter Deployment = new TablePrinter(
        [Name, new("Ready"), new("Up-to-date"), new("Available"), Age, new("Containers", Priority: 1), new("Images", Priority: 1), new("Selector", Priority: 1)],
        (o, now) =>
        {
            var (names, images) = ContainerCells(o.At("spec.template.spec.containers"));
            return
            [
                o.String("metadata.name"), $"{o.Long("status.readyReplicas") ?? 0}/{o.Long("spec.replicas") ?? 0}",
                o.Long("status.updatedReplicas") ?? 0, o.Long("status.availableReplicas") ?? 0, AgeOf(o, now), names, images,
                LabelSelector.FromObject(o.At("spec.selector")).ToString(),
            ];
        });

    private static readonly ITablePrinter Service = new TablePrinter(
        [Name, new("Type"), new("Cluster-IP"), new("External-IP"), new("Port(s)"), Age, new("Selector", Priority: 1)],
        (o, now) =>
        {
            var type = o.String("spec.type") ?? "";
            var clusterIp = (o.At("spec.clusterIPs") as JsonArray)?.FirstOrDefault()?.ToString() ?? "<none>";
            var externalIps = (o.At("spec.externalIPs") as JsonArray ?? []).Select(i => i?.ToString() ?? "").ToList();
            var external = type switch
            {
                "ClusterIP" or "NodePort" => externalIps.Count > 0 ? string.Join(",", externalIps) : "<none>",
                "LoadBalancer" => LoadBalancer(o, externalIps),
                "ExternalName" => o.String("spec.externalName") ?? "",
                _ => "<unknown>",
            };
            var ports = string.Join(",", (o.At("spec.ports") as JsonArray ?? []).OfType<JsonObject>().Select(p =>
                p.Long("nodePort") is > 0 and var node ? $"{p.Long("port")}:{node}/{p.String("protocol")}" : $"{p.Long("port")}/{p.String("protocol")}"));
            return Strings(o.String("metadata.name"), type, clusterIp, external, ports.Length == 0 ? "<none>" : ports, AgeOf(o, now), FormatLabels(o.At("spec.selector") as JsonObject));
        });

    private static readonly ITablePrinter Claim = new TablePrinter(
        [Name, new("Status"), new("Volume"), new("Capacity"), new("Access Modes"), new("StorageClass"), new("VolumeAttributesClass"), Age, new("VolumeMode", Priority: 1)],
        (o, now) =>
        {
            var bound = o.String("spec.volumeName") is { Length: > 0 };
            var phase = o.At("metadata.deletionTimestamp") is not null ? "Terminating" : o.String("status.phase") ?? "";
            return Strings(o.String("metadata.name"), phase, o.String("spec.volumeName") ?? "",
                bound ? o.String("status.capacity.storage") ?? "" : "", bound ? AccessModes(o.At("status.accessModes")) : "",
                (o.At("metadata.annotations") as JsonObject)?["volume.beta.kubernetes.io/storage-class"]?.ToString() ?? o.String("spec.storageClassName") ?? "",
                o.String("spec.volumeAttributesClassName") ?? "<unset>", AgeOf(o, now), o.String("spec.volumeMode") ?? "<unset>");
        });

    private static readonly ITablePrinter Event = new TablePrinter(
        [
            new("Last Seen"), new("Type"), new("Reason"), new("Object"), new("Subobject", Priority: 1), new("Source", Priority: 1), new("Message"),
            new("First Seen", Priority: 1), new("Count", Priority: 1), new("Name", Format: "name", Priority: 1),
        ],
        EventCells);

    private static readonly ITablePrinter Namespace = new TablePrinter(
        [Name, new("Status", Description: "The status of the namespace"), Age],
        (o, now) => Strings(o.String("metadata.name"), o.String("status.phase") ?? "", AgeOf(o, now)));

    private static readonly ITablePrinter Secret = new TablePrinter(
        [Name, new("Type"), new("Data"), Age],
        (o, now) => [o.String("metadata.name"), o.String("type") ?? "", (long)((o["data"] as JsonObject)?.Count ?? 0), AgeOf(o, now)]);

    private static readonly ITablePrinter ConfigMap = new TablePrinter(
        [Name, new("Data"), Age],
        (o, now) => [o.String("metadata.name"), (long)(((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0)), AgeOf(o, now)]);

    private static readonly ITablePrinter Endpoints = new TablePrinter(
        [Name, new("Endpoints"), Age],
        (o, now) => Strings(o.String("metadata.name"), FormatEndpoints(o), AgeOf(o, now)));

    private static readonly ITablePrinter EndpointSlice = new TablePrinter(
        [Name, new("AddressType"), new("Ports"), new("Endpoints"), Age],
        (o, now) =>
        {
            var ports = (o["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => p.Long("port")?.ToString() ?? p.String("name") ?? "*").ToList();
            var addresses = (o["endpoints"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(e => (e["addresses"] as JsonArray ?? []).Select(a => a?.ToString() ?? "")).ToList();
            return Strings(o.String("metadata.name"), o.String("addressType") ?? "", ListWithMore(ports), ListWithMore(addresses), AgeOf(o, now));
        });

    /// <summary>rest.DefaultTableConvertor: the name and the creation time (RFC 3339).</summary>
    private static readonly ITablePrinter Default = new TablePrinter(
        [Name, new("Created At", Type: "date", Description: AgeDoc)],
        (o, _) => Strings(o.String("metadata.name"), o.String("metadata.creationTimestamp")));

    /// <summary>A custom resource without additionalPrinterColumns: its name and age.</summary>
    private static readonly ITablePrinter CustomResource = new TablePrinter(
        [Name, Age],
        (o, now) => Strings(o.String("metadata.name"), AgeOf(o, now)));

    private static IEnumerable<JsonNode?> PodCells(JsonObject pod, DateTimeOffset now)
    {
        var statuses = (pod.At("status.containerStatuses") as JsonArray ?? []).OfType<JsonObject>().ToList();
        var total = (pod.At("spec.containers") as JsonArray)?.Count ?? 0;
        var phase = pod.String("status.phase") ?? "";
        var reason = pod.String("status.reason") is { Length: > 0 } r ? r : phase;
        if (Conditions(pod).Any(c => (string?)c["type"] == "PodScheduled" && (string?)c["reason"] == "SchedulingGated"))
        {
            reason = "SchedulingGated";
        }

        var restarts = 0L;
        DateTimeOffset? lastRestart = null;
        var ready = 0;
        var hasRunning = false;
        for (var i = statuses.Count - 1; i >= 0; i--)
        {
            var c = statuses[i];
            restarts += c.Long("restartCount") ?? 0;
            if (DateTimeOffset.TryParse(c.String("lastState.terminated.finishedAt"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var finished)
                && (lastRestart is null || finished > lastRestart))
            {
                lastRestart = finished;
            }

            if (c.String("state.waiting.reason") is { Length: > 0 } waiting)
            {
                reason = waiting;
            }
            else if (c["state"]?["terminated"] is JsonObject terminated)
            {
                reason = terminated.String("reason") is { Length: > 0 } tr ? tr
                    : terminated.Long("signal") is > 0 and var signal ? $"Signal:{signal}" : $"ExitCode:{terminated.Long("exitCode") ?? 0}";
            }
            else if ((bool?)c["ready"] == true && c["state"]?["running"] is not null)
            {
                hasRunning = true;
                ready++;
            }
        }

        if (reason == "Completed" && hasRunning)
        {
            reason = Conditions(pod).Any(c => (string?)c["type"] == "Ready" && (string?)c["status"] == "True") ? "Running" : "NotReady";
        }

        if (pod.At("metadata.deletionTimestamp") is not null)
        {
            reason = pod.String("status.reason") == "NodeLost" ? "Unknown" : phase is "Succeeded" or "Failed" ? reason : "Terminating";
        }

        var restartText = restarts != 0 && lastRestart is { } last ? $"{restarts} ({HumanDuration.Format(now - last)} ago)" : restarts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var gates = pod.At("spec.readinessGates") as JsonArray ?? [];
        var gatesText = gates.Count == 0 ? "<none>"
            : $"{gates.Count(g => Conditions(pod).Any(c => (string?)c["type"] == (string?)g?["conditionType"] && (string?)c["status"] == "True"))}/{gates.Count}";
        var ip = (pod.At("status.podIPs") as JsonArray)?.FirstOrDefault()?["ip"]?.ToString();
        return Strings(pod.String("metadata.name"), $"{ready}/{total}", reason, restartText, AgeOf(pod, now),
            string.IsNullOrEmpty(ip) ? "<none>" : ip, pod.String("spec.nodeName") is { Length: > 0 } n ? n : "<none>",
            pod.String("status.nominatedNodeName") is { Length: > 0 } nn ? nn : "<none>", gatesText);
    }

    /// <summary>printEvent: the series (events.k8s.io) or the deprecated count and timestamps (core/v1), whichever the event has.</summary>
    private static IEnumerable<JsonNode?> EventCells(JsonObject e, DateTimeOffset now)
    {
        var first = e.String("firstTimestamp") is { Length: > 0 } ft ? HumanDuration.Since(ft, now) : HumanDuration.Since(e.String("eventTime"), now);
        var last = e.String("lastTimestamp") is { Length: > 0 } lt ? HumanDuration.Since(lt, now) : first;
        var count = e.Long("count") ?? 0;
        if (e["series"] is JsonObject series)
        {
            last = HumanDuration.Since(series.String("lastObservedTime"), now);
            count = series.Long("count") ?? 0;
        }
        else if (count == 0)
        {
            count = 1;
        }

        var kind = (e.String("involvedObject.kind") ?? "").ToLowerInvariant();
        var target = e.String("involvedObject.name") is { Length: > 0 } name ? $"{kind}/{name}" : kind;
        var component = e.String("source.component") is { Length: > 0 } sc ? sc : e.String("reportingComponent") ?? "";
        var instance = e.String("source.host") is { Length: > 0 } sh ? sh : e.String("reportingInstance") ?? "";
        return
        [
            last, e.String("type") ?? "", e.String("reason") ?? "", target, e.String("involvedObject.fieldPath") ?? "",
            instance.Length == 0 ? component : $"{component}, {instance}", (e.String("message") ?? "").Trim(), first, count, e.String("metadata.name"),
        ];
    }

    /// <summary>formatEndpoints: up to three ip:port pairs, then "+ N more...".</summary>
    private static string FormatEndpoints(JsonObject endpoints)
    {
        var subsets = (endpoints["subsets"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (subsets.Count == 0)
        {
            return "<none>";
        }

        const int max = 3;
        var list = new List<string>();
        var count = 0;
        foreach (var subset in subsets)
        {
            var addresses = (subset["addresses"] as JsonArray ?? []).OfType<JsonObject>().Select(a => a.String("ip") ?? "").ToList();
            var ports = (subset["ports"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            if (ports.Count == 0)
            {
                count += addresses.Count;
                list.AddRange(addresses.Take(Math.Max(0, max - list.Count)));
                continue;
            }

            foreach (var port in ports)
            {
                count += addresses.Count;
                list.AddRange(addresses.Take(Math.Max(0, max - list.Count)).Select(ip => $"{JoinHostPort(ip)}:{port.Long("port")}"));
            }
        }

        var joined = string.Join(",", list);
        return count > max ? $"{joined} + {count - max} more..." : joined;
    }

    /// <summary>listWithMoreString: up to three items, "+ N more...", or "&lt;unset&gt;" for none.</summary>
    private static string ListWithMore(List<string> items)
    {
        const int max = 3;
        var joined = string.Join(",", items.Take(max));
        return items.Count > max ? $"{joined} + {items.Count - max} more..." : joined.Length == 0 ? "<unset>" : joined;
    }

    private static string JoinHostPort(string ip) => IPAddress.TryParse(ip, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip;

    private static string LoadBalancer(JsonObject service, List<string> externalIps)
    {
        var ingress = (service.At("status.loadBalancer.ingress") as JsonArray ?? []).OfType<JsonObject>()
            .Select(i => i.String("ip") is { Length: > 0 } ip ? ip : i.String("hostname") ?? "").Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
        var lb = string.Join(",", ingress);
        if (externalIps.Count > 0)
        {
            return string.Join(",", ingress.Concat(externalIps));
        }

        return lb.Length > 0 ? lb : "<pending>";
    }

    /// <summary>helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order.</summary>
    private static string AccessModes(JsonNode? modes)
    {
        var set = (modes as JsonArray ?? []).Select(m => m?.ToString()).ToHashSet();
        var names = new[] { ("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP") };
        return string.Join(",", names.Where(n => set.Contains(n.Item1)).Select(n => n.Item2));
    }

    /// <summary>labels.FormatLabels: sorted key=value pairs, or "&lt;none&gt;".</summary>
    private static string FormatLabels(JsonObject? labels) =>
        labels is null || labels.Count == 0 ? "<none>" : string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    private static (string Names, string Images) ContainerCells(JsonNode? containers)
    {
        var list = (containers as JsonArray ?? []).OfType<JsonObject>().ToList();
        return (string.Join(",", list.Select(c => c.String("name"))), string.Join(",", list.Select(c => c.String("image"))));
    }

    private static IEnumerable<JsonObject> Conditions(JsonObject obj) => (obj.At("status.conditions") as JsonArray ?? []).OfType<JsonObject>();

    private static string AgeOf(JsonObject obj, DateTimeOffset now) => HumanDuration.Since(obj.String("metadata.creationTimestamp"), now);

    private static JsonNode?[] Strings(params string?[] cells) => cells.Select(c => (JsonNode?)JsonValue.Create(c ?? "")).ToArray();
}
