using System.Text.Json.Nodes;

namespace Portal.Simulator.Api.Patching;

/// <summary>
/// Server-side apply without the full managed-fields machinery: the result is the live object merged with
/// the applied configuration (strategic merge rules), minus the fields this field manager applied last time
/// and has now left out. That keeps the observable semantics that matter: apply creates when missing,
/// a repeated identical apply changes nothing, and fields a manager stops applying go away.
/// </summary>
internal static class ServerSideApply
{
    public static JsonObject Merge(JsonObject live, JsonObject? previouslyApplied, JsonObject applied)
    {
        var patch = applied.DeepClone().AsObject();
        if (previouslyApplied is not null)
        {
            AddRemovals(previouslyApplied, patch);
        }

        return StrategicMergePatch.Apply(live, patch);
    }

    /// <summary>Marks in <paramref name="patch"/> what <paramref name="before"/> had and the patch no longer has.</summary>
    private static void AddRemovals(JsonObject before, JsonObject patch)
    {
        foreach (var (key, old) in before)
        {
            if (!patch.ContainsKey(key))
            {
                patch[key] = null;
                continue;
            }

            switch (old, patch[key])
            {
                case (JsonObject oldChild, JsonObject newChild):
                    AddRemovals(oldChild, newChild);
                    break;
                case (JsonArray oldList, JsonArray newList) when StrategicMergePatch.MergeKey(key, newList.Count > 0 ? newList : oldList) is { } mergeKey:
                    foreach (var oldItem in oldList.OfType<JsonObject>())
                    {
                        var id = oldItem[mergeKey]?.ToJsonString();
                        var match = newList.OfType<JsonObject>().FirstOrDefault(n => n[mergeKey]?.ToJsonString() == id);
                        if (match is null)
                        {
                            newList.Add(new JsonObject { [mergeKey] = oldItem[mergeKey]?.DeepClone(), ["$patch"] = "delete" });
                        }
                        else
                        {
                            AddRemovals(oldItem, match);
                        }
                    }

                    break;
            }
        }
    }
}
