using System.Text.Json.Nodes;

namespace Portal.Simulator.Api.Tables;

/// <summary>
/// A meta.k8s.io/v1 Table, what the API server answers to <c>Accept: application/json;as=Table;g=meta.k8s.io;v=v1</c>:
/// the kind's columns and one row per object, carrying the object as PartialObjectMetadata, whole, or not at all
/// (<c>includeObject=Metadata|Object|None</c>).
/// </summary>
internal static class Table
{
    public static bool Requested(string? accept) =>
        accept is not null && accept.Split(',').FirstOrDefault()?.Replace(" ", "", StringComparison.Ordinal).Contains("as=Table", StringComparison.Ordinal) == true;

    public static JsonObject Of(ResourceType type, IEnumerable<JsonObject> objects, string? resourceVersion, string? includeObject, DateTimeOffset now, bool withColumns = true)
    {
        var printer = Printers.For(type);
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = resourceVersion is null ? new JsonObject() : new JsonObject { ["resourceVersion"] = resourceVersion },
        };
        if (withColumns)
        {
            table["columnDefinitions"] = new JsonArray(printer.Columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            }).ToArray());
        }

        table["rows"] = new JsonArray(objects.Select(o => (JsonNode)Row(printer, o, includeObject, now)).ToArray());
        return table;
    }

    private static JsonObject Row(ITablePrinter printer, JsonObject obj, string? includeObject, DateTimeOffset now)
    {
        var row = new JsonObject { ["cells"] = new JsonArray(printer.Cells(obj, now).ToArray()) };
        row["object"] = includeObject switch
        {
            "None" => null,
            "Object" => obj.DeepClone(),
            _ => new JsonObject
            {
                ["kind"] = "PartialObjectMetadata",
                ["apiVersion"] = "meta.k8s.io/v1",
                ["metadata"] = obj["metadata"]?.DeepClone(),
            },
        };
        if (includeObject == "None")
        {
            row.Remove("object");
        }

        return row;
    }
}
