using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.Simulator.Api;

/// <summary>
/// One object as the store holds it: the parsed tree (never mutated once stored: clone it to change it)
/// and its serialised form, which reads and lists write out as they are.
/// </summary>
internal sealed class StoredObject
{
    public StoredObject(ResourceType type, JsonObject obj)
    {
        Type = type;
        Object = obj;
        Json = JsonSerializer.SerializeToUtf8Bytes(obj);
        var metadata = obj.Metadata();
        Namespace = (string?)metadata["namespace"] ?? "";
        Name = (string?)metadata["name"] ?? "";
        Uid = (string?)metadata["uid"] ?? "";
        ResourceVersion = long.TryParse((string?)metadata["resourceVersion"], out var rv) ? rv : 0;
        Labels = metadata["labels"] is JsonObject labels
            ? labels.ToDictionary(l => l.Key, l => l.Value?.ToString() ?? "")
            : [];
    }

    public ResourceType Type { get; }

    public JsonObject Object { get; }

    public byte[] Json { get; }

    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; }

    public long ResourceVersion { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public string Key => ObjectStore.KeyOf(Namespace, Name);

    /// <summary>A private, changeable copy of the object.</summary>
    public JsonObject Clone() => Object.DeepClone().AsObject();
}

/// <summary>A change the store made, as a watch reports it.</summary>
internal sealed record WatchEvent(string Type, StoredObject Object)
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
}

internal static class JsonObjectExtensions
{
    /// <summary>The object's metadata, created when missing.</summary>
    public static JsonObject Metadata(this JsonObject obj) => obj.Child("metadata");

    /// <summary>The named child object, created when missing or not an object.</summary>
    public static JsonObject Child(this JsonObject obj, string name)
    {
        if (obj[name] is JsonObject child)
        {
            return child;
        }

        child = new JsonObject();
        obj[name] = child;
        return child;
    }

    /// <summary>Reads a dotted path (<c>spec.replicas</c>) or null.</summary>
    public static JsonNode? At(this JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    public static string? String(this JsonNode? node, string path) => node.At(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.At(path)?.ToString();

    public static long? Long(this JsonNode? node, string path) =>
        node.At(path) is JsonValue v ? v.TryGetValue<long>(out var l) ? l : v.TryGetValue<double>(out var d) ? (long)d : long.TryParse(v.ToString(), out l) ? l : null : null;
}
