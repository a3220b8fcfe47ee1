using System.Text.Json.Nodes;
using Portal.Simulator.Api;

namespace Portal.Simulator.Controllers;

/// <summary>
/// Deletes dependents whose owner is gone (background propagation), holds an owner deleted in the
/// foreground until its dependents are gone, and empties a terminating namespace before removing it.
/// </summary>
internal sealed class GarbageCollector(ResourceApi api)
{
    private const string Foreground = "foregroundDeletion";
    private ObjectStore Store => api.Store;

    public void OnDeleted(StoredObject gone)
    {
        foreach (var dependent in Dependents(gone))
        {
            Delete(dependent);
        }

        // A dependent leaving may be what a foreground deletion or a terminating namespace waits for.
        foreach (var owner in Owners(gone))
        {
            OnChanged(owner);
        }

        if (gone.Namespace.Length > 0 && Store.Get(ResourceTypes.Namespaces, "", gone.Namespace) is { } ns)
        {
            OnChanged(ns);
        }
    }

    public void OnChanged(StoredObject obj)
    {
        if (obj.Object.At("metadata.deletionTimestamp") is null)
        {
            return;
        }

        if (obj.Type == ResourceTypes.Namespaces)
        {
            EmptyNamespace(obj);
            return;
        }

        var finalizers = obj.Object.At("metadata.finalizers") as JsonArray ?? [];
        if (!finalizers.Any(f => (string?)f == Foreground))
        {
            return;
        }

        var dependents = Dependents(obj).ToList();
        foreach (var dependent in dependents.Where(d => d.Object.At("metadata.deletionTimestamp") is null))
        {
            Delete(dependent, "Foreground");
        }

        if (dependents.Count == 0)
        {
            Store.Update(obj.Type, obj.Namespace, obj.Name, current =>
            {
                if (current is null)
                {
                    return null;
                }

                var updated = current.Clone();
                var kept = (updated.At("metadata.finalizers") as JsonArray ?? []).Where(f => (string?)f != Foreground).Select(f => f?.DeepClone()).ToArray();
                updated.Metadata()["finalizers"] = new JsonArray(kept);
                return updated;
            });
            api.FinalizeIfDone(obj.Type, obj.Namespace, obj.Name);
        }
    }

    private void EmptyNamespace(StoredObject ns)
    {
        var remaining = ResourceTypes.All.Where(t => t.Namespaced).SelectMany(t => Store.List(t, ns.Name).Items).ToList();
        foreach (var obj in remaining.Where(o => o.Object.At("metadata.deletionTimestamp") is null))
        {
            Delete(obj);
        }

        if (remaining.All(o => o.Type == ResourceTypes.Events))
        {
            foreach (var e in remaining)
            {
                Store.Delete(ResourceTypes.Events, e.Namespace, e.Name);
            }

            Store.Delete(ResourceTypes.Namespaces, "", ns.Name);
        }
    }

    private void Delete(StoredObject obj, string? propagation = null)
    {
        try
        {
            api.Delete(obj.Type, obj.Namespace, obj.Name, propagation, null);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private IEnumerable<StoredObject> Dependents(StoredObject owner) =>
        ResourceTypes.All.Where(t => t.Namespaced)
            .SelectMany(t => Store.List(t, owner.Type.Namespaced ? owner.Namespace : null).Items)
            .Where(d => ResourceApi.IsOwnedBy(d, owner.Uid));

    private IEnumerable<StoredObject> Owners(StoredObject dependent)
    {
        foreach (var reference in (dependent.Object.At("metadata.ownerReferences") as JsonArray ?? []).OfType<JsonObject>())
        {
            var type = ResourceTypes.FindByKind((string?)reference["apiVersion"] ?? "", (string?)reference["kind"] ?? "");
            if (type is not null && Store.Get(type, type.Namespaced ? dependent.Namespace : "", (string?)reference["name"] ?? "") is { } owner
                && owner.Uid == (string?)reference["uid"])
            {
                yield return owner;
            }
        }
    }
}
