using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Simulator.Api;

namespace Portal.Simulator.Controllers;

/// <summary>
/// The StatefulSet controller: pods <c>name-0 … name-(N-1)</c> with their volume claims, created in order
/// (OrderedReady: each after the previous is ready; Parallel: all at once), removed from the highest
/// ordinal down, replaced one at a time when the template changes, and a status that tells the truth.
/// </summary>
internal sealed class StatefulSetController(ResourceApi api, EventRecorder events)
{
    private const string Component = "statefulset-controller";
    private ObjectStore Store => api.Store;

    public void Reconcile(string ns, string name)
    {
        var sts = Store.Get(ResourceTypes.StatefulSets, ns, name);
        if (sts is null || sts.Object.At("metadata.deletionTimestamp") is not null)
        {
            return;
        }

        var replicas = (int)(sts.Object.Long("spec.replicas") ?? 1);
        var parallel = sts.Object.String("spec.podManagementPolicy") == "Parallel";
        var revision = $"{name}-{TemplateHash(sts.Object)}";
        var pods = OwnedPods(sts);
        var acted = false;

        for (var i = 0; i < replicas; i++)
        {
            EnsureClaims(sts, i);
            if (pods.ContainsKey(i))
            {
                continue;
            }

            if (!parallel && pods.Where(p => p.Key < i).Any(p => !IsRunningAndReady(p.Value)))
            {
                break;
            }

            pods[i] = CreatePod(sts, i, revision);
            acted = true;
            if (!parallel)
            {
                break;
            }
        }

        var condemned = pods.Where(p => p.Key >= replicas).OrderByDescending(p => p.Key).ToList();
        if (condemned.Count > 0)
        {
            var terminating = pods.Values.Any(IsTerminating);
            foreach (var (ordinal, pod) in condemned.Where(c => !IsTerminating(c.Value)))
            {
                if (!parallel && terminating)
                {
                    break;
                }

                DeletePod(sts, pod);
                terminating = true;
                acted = true;
            }
        }

        if (!acted && pods.Count == replicas && pods.Values.All(IsRunningAndReady))
        {
            // Rolling update: replace the highest ordinal still on an old revision.
            var outdated = pods.OrderByDescending(p => p.Key).FirstOrDefault(p => p.Value.Labels.GetValueOrDefault("controller-revision-hash") != revision);
            if (outdated.Value is not null)
            {
                DeletePod(sts, outdated.Value);
            }
        }

        DeleteClaimsOfScaledDownOrdinals(sts, replicas, pods);
        UpdateStatus(sts, revision);
    }

    private Dictionary<int, StoredObject> OwnedPods(StoredObject sts) =>
        Store.List(ResourceTypes.Pods, sts.Namespace).Items
            .Where(p => ResourceApi.IsOwnedBy(p, sts.Uid) && Ordinal(sts.Name, p.Name) is not null)
            .ToDictionary(p => Ordinal(sts.Name, p.Name)!.Value);

    private StoredObject CreatePod(StoredObject sts, int ordinal, string revision)
    {
        var template = sts.Object.At("spec.template") as JsonObject ?? new JsonObject();
        var podName = $"{sts.Name}-{ordinal}";
        var metadata = template["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
        var labels = metadata.Child("labels");
        labels["controller-revision-hash"] = revision;
        labels["apps.kubernetes.io/pod-index"] = ordinal.ToString();
        labels["statefulset.kubernetes.io/pod-name"] = podName;
        metadata["name"] = podName;
        metadata["generateName"] = sts.Name + "-";
        metadata["ownerReferences"] = new JsonArray(OwnerReference(sts));
        var spec = template["spec"]?.DeepClone() as JsonObject ?? new JsonObject();
        spec["hostname"] = podName;
        if (sts.Object.String("spec.serviceName") is { Length: > 0 } service)
        {
            spec["subdomain"] = service;
        }

        var volumes = spec["volumes"] as JsonArray ?? [];
        foreach (var claim in ClaimTemplates(sts))
        {
            var claimName = (string?)claim["metadata"]?["name"] ?? "";
            if (!volumes.OfType<JsonObject>().Any(v => (string?)v["name"] == claimName))
            {
                volumes.Add(new JsonObject
                {
                    ["name"] = claimName,
                    ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = $"{claimName}-{sts.Name}-{ordinal}" },
                });
            }
        }

        if (volumes.Count > 0)
        {
            spec["volumes"] = volumes;
        }

        var pod = api.Create(ResourceTypes.Pods, sts.Namespace, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = spec,
        });
        events.Normal(sts, "SuccessfulCreate", $"create Pod {podName} in StatefulSet {sts.Name} successful", Component);
        return pod;
    }

    private void DeletePod(StoredObject sts, StoredObject pod)
    {
        try
        {
            api.Delete(ResourceTypes.Pods, pod.Namespace, pod.Name, null, null);
            events.Normal(sts, "SuccessfulDelete", $"delete Pod {pod.Name} in StatefulSet {sts.Name} successful", Component);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private void EnsureClaims(StoredObject sts, int ordinal)
    {
        foreach (var template in ClaimTemplates(sts))
        {
            var claimName = $"{(string?)template["metadata"]?["name"]}-{sts.Name}-{ordinal}";
            if (Store.Get(ResourceTypes.PersistentVolumeClaims, sts.Namespace, claimName) is not null)
            {
                continue;
            }

            var metadata = template["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
            metadata["name"] = claimName;
            var labels = metadata.Child("labels");
            foreach (var (key, value) in sts.Object.At("spec.selector.matchLabels") as JsonObject ?? [])
            {
                labels[key] = value?.DeepClone();
            }

            if (sts.Object.String("spec.persistentVolumeClaimRetentionPolicy.whenDeleted") == "Delete")
            {
                metadata["ownerReferences"] = new JsonArray(OwnerReference(sts));
            }

            try
            {
                api.Create(ResourceTypes.PersistentVolumeClaims, sts.Namespace, new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "PersistentVolumeClaim",
                    ["metadata"] = metadata,
                    ["spec"] = template["spec"]?.DeepClone(),
                });
                events.Normal(sts, "SuccessfulCreate", $"create Claim {claimName} Pod {sts.Name}-{ordinal} in StatefulSet {sts.Name} success", Component);
            }
            catch (ApiException e) when (e.Code == 409)
            {
            }
        }
    }

    /// <summary>With <c>whenScaled: Delete</c>, the claims of ordinals that scaled away go once their pod is gone.</summary>
    private void DeleteClaimsOfScaledDownOrdinals(StoredObject sts, int replicas, Dictionary<int, StoredObject> pods)
    {
        if (sts.Object.String("spec.persistentVolumeClaimRetentionPolicy.whenScaled") != "Delete")
        {
            return;
        }

        foreach (var template in ClaimTemplates(sts))
        {
            var prefix = $"{(string?)template["metadata"]?["name"]}-{sts.Name}-";
            foreach (var claim in Store.List(ResourceTypes.PersistentVolumeClaims, sts.Namespace).Items.Where(c => c.Name.StartsWith(prefix, StringComparison.Ordinal)))
            {
                if (int.TryParse(claim.Name[prefix.Length..], out var ordinal) && ordinal >= replicas && !pods.ContainsKey(ordinal))
                {
                    api.Delete(ResourceTypes.PersistentVolumeClaims, sts.Namespace, claim.Name, null, null);
                }
            }
        }
    }

    private void UpdateStatus(StoredObject sts, string revision)
    {
        var pods = OwnedPods(sts).Values.ToList();
        Store.Update(ResourceTypes.StatefulSets, sts.Namespace, sts.Name, current =>
        {
            if (current is null)
            {
                return null;
            }

            var obj = current.Clone();
            var status = obj.Child("status");
            var updated = pods.Count(p => p.Labels.GetValueOrDefault("controller-revision-hash") == revision);
            var ready = pods.Count(p => PodConditions.IsTrue(p.Object, "Ready") && !IsTerminating(p));
            var currentRevision = (string?)status["currentRevision"];
            if (currentRevision is null || updated == pods.Count)
            {
                currentRevision = revision;
            }

            status["observedGeneration"] = current.Object.Long("metadata.generation") ?? 1;
            status["replicas"] = pods.Count;
            status["readyReplicas"] = ready;
            status["availableReplicas"] = ready;
            status["currentReplicas"] = pods.Count(p => p.Labels.GetValueOrDefault("controller-revision-hash") == currentRevision);
            status["updatedReplicas"] = updated;
            status["currentRevision"] = currentRevision;
            status["updateRevision"] = revision;
            status["collisionCount"] = 0;
            if (ready == 0)
            {
                status.Remove("readyReplicas");
            }

            return obj;
        });
    }

    private static IEnumerable<JsonObject> ClaimTemplates(StoredObject sts) =>
        (sts.Object.At("spec.volumeClaimTemplates") as JsonArray ?? []).OfType<JsonObject>();

    private static JsonObject OwnerReference(StoredObject owner) => new()
    {
        ["apiVersion"] = owner.Type.ApiVersion,
        ["kind"] = owner.Type.Kind,
        ["name"] = owner.Name,
        ["uid"] = owner.Uid,
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    private static bool IsTerminating(StoredObject pod) => pod.Object.At("metadata.deletionTimestamp") is not null;

    private static bool IsRunningAndReady(StoredObject pod) =>
        !IsTerminating(pod) && pod.Object.String("status.phase") == "Running" && PodConditions.IsTrue(pod.Object, "Ready");

    private static int? Ordinal(string sts, string pod) =>
        pod.StartsWith(sts + "-", StringComparison.Ordinal) && int.TryParse(pod[(sts.Length + 1)..], out var ordinal) ? ordinal : null;

    /// <summary>The same tree with object keys sorted, so key order never changes a hash.</summary>
    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>A short, stable hash of the pod template, like the controller-revision-hash label.</summary>
    private static string TemplateHash(JsonObject sts)
    {
        var template = Canonical(sts.At("spec.template"))?.ToJsonString() ?? "";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(template));
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return new string(hash.Take(10).Select(b => alphabet[b % alphabet.Length]).ToArray());
    }
}
