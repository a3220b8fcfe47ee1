using System.Text.Json.Nodes;

namespace Portal.Simulator.Api.Patching;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test) on a JSON tree.</summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode target, JsonArray operations)
    {
        var root = new JsonObject { ["r"] = target.DeepClone() };
        foreach (var op in operations.OfType<JsonObject>())
        {
            var path = (string?)op["path"] ?? throw ApiException.BadRequest("json patch operation without path");
            switch ((string?)op["op"])
            {
                case "add":
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "move":
                    var moved = Remove(root, (string?)op["from"] ?? "");
                    Add(root, path, moved);
                    break;
                case "copy":
                    Add(root, path, Find(root, (string?)op["from"] ?? "")?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Find(root, path), op["value"]))
                    {
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: test failed at {path}");
                    }

                    break;
                default:
                    throw ApiException.BadRequest($"unknown json patch operation {(string?)op["op"]}");
            }
        }

        return root["r"]!;
    }

    private static (JsonNode Parent, string Key) Locate(JsonObject root, string path)
    {
        var tokens = ("/r" + path).Split('/').Skip(1).Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
        JsonNode node = root;
        foreach (var token in tokens[..^1])
        {
            node = node switch
            {
                JsonObject o when o[token] is { } child => child,
                JsonArray a when int.TryParse(token, out var i) && i < a.Count && a[i] is { } item => item,
                _ => throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: path {path} does not exist"),
            };
        }

        return (node, tokens[^1]);
    }

    private static JsonNode? Find(JsonObject root, string path)
    {
        var (parent, key) = Locate(root, path);
        return parent switch
        {
            JsonObject o => o[key],
            JsonArray a when int.TryParse(key, out var i) && i < a.Count => a[i],
            _ => null,
        };
    }

    private static void Add(JsonObject root, string path, JsonNode? value)
    {
        var (parent, key) = Locate(root, path);
        switch (parent)
        {
            case JsonObject o:
                o[key] = value;
                break;
            case JsonArray a when key == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(key, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: cannot add at {path}");
        }
    }

    private static JsonNode? Remove(JsonObject root, string path)
    {
        var (parent, key) = Locate(root, path);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(key):
                var value = o[key];
                o.Remove(key);
                return value;
            case JsonArray a when int.TryParse(key, out var i) && i < a.Count:
                var item = a[i];
                a.RemoveAt(i);
                return item;
            default:
                throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: path {path} does not exist");
        }
    }
}
