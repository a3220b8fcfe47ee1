using System.Text.Json.Nodes;

namespace Portal.Simulator.Api.Tables;

/// <summary>One column of a server-side Table; priority 1 columns are the ones <c>kubectl get -o wide</c> adds.</summary>
internal sealed record TableColumn(string Name, string Type = "string", string Format = "", int Priority = 0, string Description = "");

/// <summary>How one kind prints as a Table row, as pkg/printers/internalversion/printers.go does it.</summary>
internal interface ITablePrinter
{
    IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>The cells of one object, wide columns included (the API server always generates them).</summary>
    IEnumerable<JsonNode?> Cells(JsonObject obj, DateTimeOffset now);
}

/// <summary>A printer made of its columns and a function from object to cells.</summary>
internal sealed class TablePrinter(IReadOnlyList<TableColumn> columns, Func<JsonObject, DateTimeOffset, IEnumerable<JsonNode?>> cells) : ITablePrinter
{
    public IReadOnlyList<TableColumn> Columns => columns;

    public IEnumerable<JsonNode?> Cells(JsonObject obj, DateTimeOffset now) => cells(obj, now);
}
