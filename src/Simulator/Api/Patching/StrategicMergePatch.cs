using System.Text.Json.Nodes;

namespace Portal.Simulator.Api.Patching;

/// <summary>
/// Kubernetes strategic merge patch for the built-in kinds: like a merge patch, except that the lists the
/// API types declare with a merge key (containers by name, ports by port, env by name, …) merge item by item,
/// and the directives <c>$patch</c>, <c>$retainKeys</c>, <c>$setElementOrder/…</c> and
/// <c>$deleteFromPrimitiveList/…</c> that kubectl sends are honoured.
/// </summary>
internal static class StrategicMergePatch
{
    private const string PatchDirective = "$patch";
    private const string RetainKeys = "$retainKeys";
    private const string SetElementOrder = "$setElementOrder/";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

    /// <summary>Lists of primitives whose patch strategy is "merge" (union) rather than replace.</summary>
    private static readonly HashSet<string> MergedPrimitiveLists = ["finalizers"];

    /// <summary>The merge key of a list field, or null when the list is replaced as a whole.</summary>
    public static string? MergeKey(string field, JsonArray? sample) => field switch
    {
        "containers" or "initContainers" or "ephemeralContainers" or "env" or "volumes" or "imagePullSecrets"
            or "resourceClaims" or "containerStatuses" or "initContainerStatuses" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ports" => sample?.OfType<JsonObject>().Any(p => p.ContainsKey("containerPort")) == true ? "containerPort" : "port",
        _ => null,
    };

    public static JsonObject Apply(JsonObject target, JsonObject patch) => MergeObject(target.DeepClone().AsObject(), patch);

    private static JsonObject MergeObject(JsonObject result, JsonObject patch)
    {
        var directive = (string?)patch[PatchDirective];
        if (directive == "replace")
        {
            var replaced = patch.DeepClone().AsObject();
            replaced.Remove(PatchDirective);
            return replaced;
        }

        if (directive == "delete")
        {
            return new JsonObject();
        }

        foreach (var (key, value) in patch)
        {
            if (key is PatchDirective or RetainKeys || key.StartsWith(SetElementOrder, StringComparison.Ordinal))
            {
                continue;
            }

            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal))
            {
                var field = key[DeleteFromPrimitiveList.Length..];
                if (result[field] is JsonArray list && value is JsonArray remove)
                {
                    var drop = remove.Select(v => v?.ToJsonString()).ToHashSet();
                    result[field] = new JsonArray(list.Where(v => !drop.Contains(v?.ToJsonString())).Select(v => v?.DeepClone()).ToArray());
                }

                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonObject patchChild)
            {
                result[key] = result[key] is JsonObject existing
                    ? MergeObject(existing.DeepClone().AsObject(), patchChild)
                    : MergeObject(new JsonObject(), patchChild);
            }
            else if (value is JsonArray patchList)
            {
                result[key] = MergeList(key, result[key] as JsonArray, patchList);
            }
            else
            {
                result[key] = value.DeepClone();
            }
        }

        if (patch[RetainKeys] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.ToString()).ToHashSet();
            foreach (var key in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
            {
                result.Remove(key);
            }
        }

        return result;
    }

    private static JsonArray MergeList(string field, JsonArray? existing, JsonArray patch)
    {
        if (patch.OfType<JsonObject>().Any(i => (string?)i[PatchDirective] == "replace"))
        {
            return new JsonArray(patch.OfType<JsonObject>().Where(i => (string?)i[PatchDirective] != "replace").Select(i => i.DeepClone()).ToArray());
        }

        if (MergedPrimitiveLists.Contains(field) && existing is not null)
        {
            var union = existing.Select(v => v?.DeepClone()).ToList();
            foreach (var v in patch.Where(v => !existing.Any(e => JsonNode.DeepEquals(e, v))))
            {
                union.Add(v?.DeepClone());
            }

            return new JsonArray(union.ToArray());
        }

        var mergeKey = MergeKey(field, patch.Count > 0 ? patch : existing);
        if (mergeKey is null || existing is null || patch.Any(i => i is not JsonObject))
        {
            return new JsonArray(patch.Where(i => (string?)(i as JsonObject)?[PatchDirective] != "delete").Select(i => i?.DeepClone()).ToArray());
        }

        var merged = existing.Select(i => i?.DeepClone()).ToList();
        foreach (var item in patch.OfType<JsonObject>())
        {
            var keyValue = item[mergeKey]?.ToJsonString();
            var at = merged.FindIndex(m => (m as JsonObject)?[mergeKey]?.ToJsonString() == keyValue);
            if ((string?)item[PatchDirective] == "delete")
            {
                if (at >= 0)
                {
                    merged.RemoveAt(at);
                }
            }
            else if (at >= 0)
            {
                merged[at] = MergeObject(merged[at]!.AsObject(), item);
            }
            else
            {
                merged.Add(MergeObject(new JsonObject(), item));
            }
        }

        return new JsonArray(merged.ToArray());
    }
}
