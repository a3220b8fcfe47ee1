using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Portal.Simulator.Api;

/// <summary>What the real API server does to an object before storing it: defaulting and validation.</summary>
internal sealed partial class Admission(ObjectStore store)
{
    private int _nextClusterIp = 10;

    /// <summary>Defaults a new object the way the built-in strategies do, and drops a status the client sent.</summary>
    public void PrepareForCreate(ResourceType type, JsonObject obj)
    {
        var metadata = obj.Metadata();
        if (metadata["name"] is null && (string?)metadata["generateName"] is { } prefix)
        {
            metadata["name"] = prefix + RandomSuffix();
        }

        if (type.HasStatus && type != ResourceTypes.Namespaces)
        {
            obj.Remove("status");
        }

        obj["status"] = type.Plural switch
        {
            "namespaces" => new JsonObject { ["phase"] = "Active" },
            "pods" => new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" },
            "services" => new JsonObject { ["loadBalancer"] = new JsonObject() },
            "persistentvolumeclaims" => new JsonObject { ["phase"] = "Pending" },
            "statefulsets" => new JsonObject { ["replicas"] = 0, ["availableReplicas"] = 0 },
            _ => obj["status"],
        };
        if (obj["status"] is null)
        {
            obj.Remove("status");
        }

        PrepareForWrite(type, obj);
    }

    /// <summary>Defaulting and normalisation that every write gets (create, update, patch, apply), as in the real API server.</summary>
    public void PrepareForWrite(ResourceType type, JsonObject obj)
    {
        var metadata = obj.Metadata();
        switch (type.Plural)
        {
            case "namespaces":
                metadata.Child("labels")["kubernetes.io/metadata.name"] = (string?)metadata["name"];
                obj.Child("spec")["finalizers"] ??= new JsonArray("kubernetes");
                break;
            case "pods":
                DefaultPodSpec(obj.Child("spec"));
                break;
            case "services":
                DefaultService(obj.Child("spec"));
                break;
            case "persistentvolumeclaims":
                obj.Child("spec")["volumeMode"] ??= "Filesystem";
                break;
            case "secrets":
                if ((string?)obj["type"] is null or "")
                {
                    obj["type"] = "Opaque";
                }

                break;
            case "statefulsets":
                DefaultStatefulSet(obj.Child("spec"));
                break;
            case "deployments":
                var spec = obj.Child("spec");
                spec["replicas"] ??= 1;
                spec["revisionHistoryLimit"] ??= 10;
                spec["progressDeadlineSeconds"] ??= 600;
                spec["strategy"] ??= new JsonObject
                {
                    ["type"] = "RollingUpdate",
                    ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" },
                };
                DefaultPodSpec(spec.Child("template").Child("spec"));
                break;
        }

        if (type == ResourceTypes.Secrets && obj["stringData"] is JsonObject stringData)
        {
            var data = obj.Child("data");
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.ToString() ?? ""));
            }

            obj.Remove("stringData");
        }
    }

    public void Validate(ResourceType type, JsonObject obj)
    {
        var name = (string?)obj.Metadata()["name"] ?? "";
        if (name.Length == 0)
        {
            throw ApiException.Invalid(type, name, "metadata.name", "\"\": name or generateName is required");
        }

        var label = type.Plural is "namespaces" or "services";
        if (label ? !Dns1123Label().IsMatch(name) || name.Length > 63 : !Dns1123Subdomain().IsMatch(name) || name.Length > 253)
        {
            var rule = label ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
                : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
            throw ApiException.Invalid(type, name, "metadata.name", $"\"{name}\": {rule}");
        }

        if (type.Namespaced)
        {
            var ns = (string?)obj.Metadata()["namespace"] ?? "";
            if (store.Get(ResourceTypes.Namespaces, "", ns) is null)
            {
                throw ApiException.NamespaceNotFound(ns);
            }
        }

        if (type.HasScale)
        {
            if (obj.Long("spec.replicas") is < 0)
            {
                throw ApiException.Invalid(type, name, "spec.replicas", $"{obj.Long("spec.replicas")}: must be greater than or equal to 0");
            }

            var selector = LabelSelector.FromObject(obj.At("spec.selector"));
            if (selector.Requirements.Count == 0)
            {
                throw ApiException.Invalid(type, name, "spec.selector", "\"null\": empty selector is invalid for deployment");
            }

            var templateLabels = obj.At("spec.template.metadata.labels") is JsonObject l
                ? l.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "")
                : [];
            if (!selector.Matches(templateLabels))
            {
                throw ApiException.Invalid(type, name, "spec.template.metadata.labels", $"{{\"{string.Join(",", templateLabels.Select(p => p.Key + "\":\"" + p.Value))}\"}}: `selector` does not match template `labels`");
            }
        }
    }

    private static void DefaultPodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["securityContext"] ??= new JsonObject();
        spec["enableServiceLinks"] ??= true;
        foreach (var container in (spec["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var image = (string?)container["image"] ?? "";
            container["imagePullPolicy"] ??= image.Contains(':') && !image.EndsWith(":latest", StringComparison.Ordinal) ? "IfNotPresent" : "Always";
            container["terminationMessagePath"] ??= "/dev/termination-log";
            container["terminationMessagePolicy"] ??= "File";
            foreach (var port in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
            }

            foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" }.Select(p => container[p]).OfType<JsonObject>())
            {
                DefaultProbe(probe);
            }
        }
    }

    /// <summary>SetDefaults_Probe and SetDefaults_HTTPGetAction (pkg/apis/core/v1/defaults.go).</summary>
    private static void DefaultProbe(JsonObject probe)
    {
        foreach (var (field, value) in new[] { ("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1), ("failureThreshold", 3) })
        {
            if (probe.Long(field) is null or 0)
            {
                probe[field] = value;
            }
        }

        if (probe["httpGet"] is JsonObject http)
        {
            http["path"] ??= "/";
            http["scheme"] ??= "HTTP";
        }
    }

    private void DefaultService(JsonObject spec)
    {
        spec["type"] ??= "ClusterIP";
        if ((string?)spec["clusterIP"] is null or "")
        {
            var n = Interlocked.Increment(ref _nextClusterIp);
            spec["clusterIP"] = $"10.96.{n / 250}.{n % 250 + 1}";
        }

        spec["clusterIPs"] ??= new JsonArray((string?)spec["clusterIP"]);
        spec["sessionAffinity"] ??= "None";
        spec["ipFamilies"] ??= new JsonArray("IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";
        foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
        }
    }

    private static void DefaultStatefulSet(JsonObject spec)
    {
        spec["replicas"] ??= 1;
        spec["podManagementPolicy"] ??= "OrderedReady";
        spec["revisionHistoryLimit"] ??= 10;
        spec["updateStrategy"] ??= new JsonObject
        {
            ["type"] = "RollingUpdate",
            ["rollingUpdate"] = new JsonObject { ["partition"] = 0 },
        };
        spec["persistentVolumeClaimRetentionPolicy"] ??= new JsonObject { ["whenDeleted"] = "Retain", ["whenScaled"] = "Retain" };
        DefaultPodSpec(spec.Child("template").Child("spec"));
        foreach (var claim in (spec["volumeClaimTemplates"] as JsonArray ?? []).OfType<JsonObject>())
        {
            claim["apiVersion"] ??= "v1";
            claim["kind"] ??= "PersistentVolumeClaim";
            claim.Child("spec")["volumeMode"] ??= "Filesystem";
            claim["status"] ??= new JsonObject { ["phase"] = "Pending" };
        }
    }

    public static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
            }
        });
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();
}
