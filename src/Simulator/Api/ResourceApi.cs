using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Portal.Simulator.Api.Patching;

namespace Portal.Simulator.Api;

/// <summary>The verbs of the Kubernetes API on the store, with the real API server's semantics.</summary>
internal sealed class ResourceApi(ObjectStore store, Admission admission, TimeProvider time)
{
    /// <summary>What each field manager applied last, per object uid: what server-side apply removes when left out.</summary>
    private readonly ConcurrentDictionary<(string Uid, string Manager), JsonObject> _applied = new();

    public ObjectStore Store => store;

    public StoredObject Get(ResourceType type, string ns, string name) =>
        store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name);

    public (List<StoredObject> Items, long ResourceVersion) List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
    {
        var (items, rv) = store.List(type, ns);
        if (labels.Requirements.Count > 0 || fields.Terms.Count > 0)
        {
            items = items.Where(o => labels.Matches(o.Labels) && fields.Matches(o.Object)).ToList();
        }

        return (items, rv);
    }

    public StoredObject Create(ResourceType type, string ns, JsonObject body, bool dryRun = false)
    {
        CheckKind(type, body);
        var metadata = body.Metadata();
        if (type.Namespaced)
        {
            if ((string?)metadata["namespace"] is { Length: > 0 } bodyNs && bodyNs != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            metadata["namespace"] = ns;
        }

        metadata.Remove("resourceVersion");
        admission.PrepareForCreate(type, body);
        admission.Validate(type, body);
        return dryRun ? new StoredObject(type, body) : store.Create(type, body);
    }

    public StoredObject Replace(ResourceType type, string ns, string name, JsonObject body, string? subresource, bool dryRun = false)
    {
        CheckKind(type, body);
        var bodyName = (string?)body.Metadata()["name"];
        if (bodyName is not null && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var expected = (string?)body.Metadata()["resourceVersion"];
        return Write(type, ns, name, current => Merge(type, current, body, subresource), expected, dryRun);
    }

    /// <summary>Applies a patch of the given media type; server-side apply creates the object when it is missing.</summary>
    public (StoredObject Object, bool Created) Patch(
        ResourceType type, string ns, string name, string contentType, string body, string? subresource, string? fieldManager, bool dryRun = false)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        if (mediaType == "application/apply-patch+yaml")
        {
            return Apply(type, ns, name, body, subresource, fieldManager, dryRun);
        }

        var patch = ParseJson(body);
        var expected = (string?)(patch as JsonObject)?["metadata"]?["resourceVersion"];
        var result = Write(type, ns, name, current =>
        {
            var patched = mediaType switch
            {
                "application/merge-patch+json" => JsonMergePatch.Apply(current.Object, patch) as JsonObject,
                "application/strategic-merge-patch+json" when type.Group is "keda.sh" =>
                    throw new ApiException(415, "UnsupportedMediaType", "strategic merge patch is not supported for custom resources"),
                "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(current.Object, patch as JsonObject ?? throw ApiException.BadRequest("patch is not an object")),
                "application/json-patch+json" => JsonPatch.Apply(current.Object, patch as JsonArray ?? throw ApiException.BadRequest("json patch is not a list")) as JsonObject,
                _ => throw ApiException.UnsupportedMediaType(contentType),
            } ?? throw ApiException.BadRequest("patch result is not an object");
            return Merge(type, current, patched, subresource);
        }, expected, dryRun);
        return (result, false);
    }

    public (int Code, JsonObject Body) Delete(ResourceType type, string ns, string name, string? propagationPolicy, long? gracePeriodSeconds)
    {
        var current = Get(type, ns, name);
        if (current.Object.At("metadata.deletionTimestamp") is not null)
        {
            return (200, current.Clone());
        }

        var propagation = propagationPolicy ?? "Background";
        var graceful = type == ResourceTypes.Pods
            && current.Object.String("spec.nodeName") is { Length: > 0 }
            && (gracePeriodSeconds ?? current.Object.Long("spec.terminationGracePeriodSeconds") ?? 30) > 0
            && current.Object.String("status.phase") is not ("Succeeded" or "Failed");
        var finalizers = (current.Object.At("metadata.finalizers") as JsonArray)?.Count ?? 0;
        var foreground = propagation == "Foreground";
        if (graceful || finalizers > 0 || foreground || type == ResourceTypes.Namespaces)
        {
            var marked = store.Update(type, ns, name, c =>
            {
                var obj = c!.Clone();
                var metadata = obj.Metadata();
                metadata["deletionTimestamp"] = Timestamps.Format(time.GetUtcNow());
                metadata["deletionGracePeriodSeconds"] = graceful ? gracePeriodSeconds ?? obj.Long("spec.terminationGracePeriodSeconds") ?? 30 : 0;
                if (foreground)
                {
                    var list = metadata["finalizers"] as JsonArray ?? [];
                    list.Add("foregroundDeletion");
                    metadata["finalizers"] = list;
                }

                if (type == ResourceTypes.Namespaces)
                {
                    obj.Child("status")["phase"] = "Terminating";
                }

                return obj;
            })!;
            return (foreground ? 202 : 200, marked.Clone());
        }

        if (propagation == "Orphan")
        {
            Orphan(current);
        }

        var deleted = store.Delete(type, ns, name) ?? throw ApiException.NotFound(type, name);
        _applied.Keys.Where(k => k.Uid == deleted.Uid).ToList().ForEach(k => _applied.TryRemove(k, out _));
        return type.Plural is "pods" or "services" or "persistentvolumeclaims"
            ? (200, deleted.Clone())
            : (200, Status.Success(type, name, deleted.Uid));
    }

    /// <summary>Removes an object once nothing holds it any more (its finalizers are gone), as the API server does on every update.</summary>
    public void FinalizeIfDone(ResourceType type, string ns, string name)
    {
        var current = store.Get(type, ns, name);
        if (current?.Object.At("metadata.deletionTimestamp") is not null
            && (current.Object.At("metadata.finalizers") as JsonArray ?? []).Count == 0
            && type != ResourceTypes.Pods
            && type != ResourceTypes.Namespaces)
        {
            store.Delete(type, ns, name);
        }
    }

    public JsonObject GetScale(ResourceType type, string ns, string name) => ToScale(Get(type, ns, name));

    public JsonObject UpdateScale(ResourceType type, string ns, string name, Func<JsonObject, JsonObject> change)
    {
        var updated = store.Update(type, ns, name, current =>
        {
            if (current is null)
            {
                return null;
            }

            var scale = change(ToScale(current));
            if ((string?)scale.Metadata()["resourceVersion"] is { Length: > 0 } rv && rv != current.ResourceVersion.ToString())
            {
                throw ApiException.Conflict(type, name);
            }

            var replicas = scale.Long("spec.replicas") ?? 0;
            if (replicas < 0)
            {
                throw ApiException.Invalid(type, name, "spec.replicas", $"{replicas}: must be greater than or equal to 0");
            }

            var obj = current.Clone();
            obj.Child("spec")["replicas"] = replicas;
            return obj;
        }) ?? throw ApiException.NotFound(type, name);
        return ToScale(updated);
    }

    private (StoredObject, bool) Apply(ResourceType type, string ns, string name, string body, string? subresource, string? fieldManager, bool dryRun)
    {
        if (string.IsNullOrEmpty(fieldManager))
        {
            throw ApiException.BadRequest("PATCH: fieldManager is required for apply requests");
        }

        var applied = YamlJson.Parse(body) as JsonObject ?? throw ApiException.BadRequest("apply patch is not an object");
        CheckKind(type, applied);
        if ((string?)applied.Metadata()["name"] is { } appliedName && appliedName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({appliedName}) does not match the name on the URL ({name})");
        }

        applied.Metadata()["name"] = name;
        var existing = store.Get(type, ns, name);
        if (existing is null)
        {
            if (subresource is not null)
            {
                throw ApiException.NotFound(type, name);
            }

            var created = Create(type, ns, WithManagedFields(applied.DeepClone().AsObject(), fieldManager, applied), dryRun);
            if (!dryRun)
            {
                _applied[(created.Uid, fieldManager)] = applied;
            }

            return (created, true);
        }

        var expected = (string?)applied.Metadata()["resourceVersion"];
        var result = Write(type, ns, name, current =>
        {
            var previous = _applied.GetValueOrDefault((current.Uid, fieldManager));
            var merged = ServerSideApply.Merge(current.Object, previous, applied);
            var next = Merge(type, current, merged, subresource);
            var unchanged = JsonNode.DeepEquals(WithoutManagedFields(next), WithoutManagedFields(current.Object));
            return unchanged ? next : WithManagedFields(next, fieldManager, applied);
        }, expected, dryRun);
        if (!dryRun)
        {
            _applied[(result.Uid, fieldManager)] = applied;
        }

        return (result, false);
    }

    /// <summary>Writes a change with the resourceVersion precondition, then removes the object if that was its last finalizer.</summary>
    private StoredObject Write(ResourceType type, string ns, string name, Func<StoredObject, JsonObject> change, string? expectedVersion, bool dryRun)
    {
        if (dryRun)
        {
            var current = Get(type, ns, name);
            return new StoredObject(type, change(current));
        }

        var result = store.Update(type, ns, name, current =>
        {
            if (current is null)
            {
                return null;
            }

            if (!string.IsNullOrEmpty(expectedVersion) && expectedVersion != current.ResourceVersion.ToString())
            {
                throw ApiException.Conflict(type, name);
            }

            var next = change(current);
            admission.PrepareForWrite(type, next);
            admission.Validate(type, next);
            return next;
        }) ?? throw ApiException.NotFound(type, name);
        FinalizeIfDone(type, ns, name);
        return result;
    }

    /// <summary>
    /// Combines the stored object with the client's version the way the status subresource splits them:
    /// the main resource ignores status changes, /status ignores everything but status.
    /// </summary>
    private static JsonObject Merge(ResourceType type, StoredObject current, JsonObject incoming, string? subresource)
    {
        var next = incoming.DeepClone().AsObject();
        var metadata = next.Metadata();
        var old = current.Object.Metadata();
        if (subresource == "status")
        {
            var status = next["status"]?.DeepClone();
            next = current.Clone();
            next["status"] = status;
            return next;
        }

        if (type.HasStatus)
        {
            next["status"] = current.Object["status"]?.DeepClone();
        }

        next["apiVersion"] = type.ApiVersion;
        next["kind"] = type.Kind;
        if (type == ResourceTypes.Services && next.String("spec.clusterIP") is null or "")
        {
            // clusterIP is immutable: an update that leaves it out keeps the allocated one.
            next.Child("spec")["clusterIP"] = current.Object.String("spec.clusterIP");
            next.Child("spec")["clusterIPs"] = current.Object.At("spec.clusterIPs")?.DeepClone();
        }

        foreach (var key in new[] { "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            if (old[key] is { } value)
            {
                metadata[key] = value.DeepClone();
            }
            else
            {
                metadata.Remove(key);
            }
        }

        return next;
    }

    private void Orphan(StoredObject owner)
    {
        foreach (var dependentType in ResourceTypes.All.Where(t => t.Namespaced))
        {
            foreach (var dependent in store.List(dependentType, owner.Namespace).Items.Where(d => IsOwnedBy(d, owner.Uid)))
            {
                store.Update(dependentType, dependent.Namespace, dependent.Name, c =>
                {
                    var obj = c!.Clone();
                    var refs = (obj.At("metadata.ownerReferences") as JsonArray)!;
                    var kept = refs.Where(r => (string?)r?["uid"] != owner.Uid).Select(r => r?.DeepClone()).ToArray();
                    if (kept.Length == 0)
                    {
                        obj.Metadata().Remove("ownerReferences");
                    }
                    else
                    {
                        obj.Metadata()["ownerReferences"] = new JsonArray(kept);
                    }

                    return obj;
                });
            }
        }
    }

    public static bool IsOwnedBy(StoredObject obj, string ownerUid) =>
        obj.Object.At("metadata.ownerReferences") is JsonArray refs && refs.Any(r => (string?)r?["uid"] == ownerUid);

    private static JsonObject ToScale(StoredObject obj) => new()
    {
        ["kind"] = "Scale",
        ["apiVersion"] = "autoscaling/v1",
        ["metadata"] = new JsonObject
        {
            ["name"] = obj.Name,
            ["namespace"] = obj.Namespace,
            ["uid"] = obj.Uid,
            ["resourceVersion"] = obj.ResourceVersion.ToString(),
            ["creationTimestamp"] = obj.Object.String("metadata.creationTimestamp"),
        },
        ["spec"] = new JsonObject { ["replicas"] = obj.Object.Long("spec.replicas") ?? 0 },
        ["status"] = new JsonObject
        {
            ["replicas"] = obj.Object.Long("status.replicas") ?? 0,
            ["selector"] = LabelSelector.FromObject(obj.Object.At("spec.selector")).ToString(),
        },
    };

    private JsonObject WithManagedFields(JsonObject obj, string manager, JsonObject applied)
    {
        var entries = obj.Metadata()["managedFields"] as JsonArray ?? [];
        var kept = entries.Where(e => (string?)e?["manager"] != manager || (string?)e?["operation"] != "Apply").Select(e => e?.DeepClone()).ToList();
        kept.Add(new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = "Apply",
            ["apiVersion"] = (string?)applied["apiVersion"],
            ["time"] = Timestamps.Format(time.GetUtcNow()),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = FieldSet(applied, topLevel: true),
        });
        obj.Metadata()["managedFields"] = new JsonArray(kept.ToArray());
        return obj;
    }

    private static JsonObject WithoutManagedFields(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        copy.Metadata().Remove("managedFields");
        copy.Metadata().Remove("resourceVersion");
        return copy;
    }

    /// <summary>The fieldsV1 set of an applied configuration: <c>f:</c> for fields, <c>k:</c> for keyed list items.</summary>
    private static JsonObject FieldSet(JsonObject applied, bool topLevel = false)
    {
        var set = new JsonObject();
        foreach (var (key, value) in applied)
        {
            if (topLevel && key is "apiVersion" or "kind")
            {
                continue;
            }

            if (topLevel && key == "metadata" && value is JsonObject meta)
            {
                var metaSet = new JsonObject();
                foreach (var field in new[] { "labels", "annotations" }.Where(meta.ContainsKey))
                {
                    metaSet["f:" + field] = meta[field] is JsonObject m ? FieldSet(m) : new JsonObject();
                }

                if (metaSet.Count > 0)
                {
                    set["f:metadata"] = metaSet;
                }

                continue;
            }

            set["f:" + key] = value switch
            {
                JsonObject child => FieldSet(child),
                JsonArray list when StrategicMergePatch.MergeKey(key, list) is { } mergeKey => new JsonObject(list.OfType<JsonObject>().Select(item =>
                {
                    var itemSet = FieldSet(item);
                    itemSet["."] = new JsonObject();
                    return KeyValuePair.Create<string, JsonNode?>($"k:{{\"{mergeKey}\":{item[mergeKey]?.ToJsonString()}}}", itemSet);
                })),
                _ => new JsonObject(),
            };
        }

        return set;
    }

    private static JsonNode ParseJson(string body)
    {
        try
        {
            return JsonNode.Parse(body) ?? throw ApiException.BadRequest("empty body");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiException.BadRequest($"error decoding patch: {e.Message}");
        }
    }

    private static void CheckKind(ResourceType type, JsonObject body)
    {
        var kind = (string?)body["kind"];
        var apiVersion = (string?)body["apiVersion"];
        if (kind is not null && kind != type.Kind || apiVersion is not null && apiVersion != type.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        body["kind"] = type.Kind;
        body["apiVersion"] = type.ApiVersion;
    }
}
