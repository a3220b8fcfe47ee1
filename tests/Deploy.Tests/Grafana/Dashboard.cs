using System.Text.Json.Nodes;

namespace Portal.Deploy.Tests.Grafana;

/// <summary>deploy/grafana/inference-portal-dashboard.json and its queries.</summary>
internal static class Dashboard
{
    public const string File = "deploy/grafana/inference-portal-dashboard.json";

    public static JsonObject Load() => JsonNode.Parse(Repo.Read(File))!.AsObject();

    public static IEnumerable<JsonObject> Panels(JsonObject dashboard) =>
        dashboard["panels"]!.AsArray().Select(p => p!.AsObject())
            .SelectMany(p => new[] { p }.Concat(p["panels"]?.AsArray().Select(c => c!.AsObject()) ?? []));

    /// <summary>(panel title, PromQL) of every panel target.</summary>
    public static IEnumerable<(string Panel, string Expr)> Queries(JsonObject dashboard) =>
        Panels(dashboard)
            .SelectMany(p => (p["targets"]?.AsArray() ?? []).Select(t => ((string)p["title"]!, (string)t!["expr"]!)));

    /// <summary>A query as Grafana sends it with "All" chosen in every variable.</summary>
    public static string WithAllSelected(string expr) =>
        expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal)
            .Replace("$namespace", ".*", StringComparison.Ordinal)
            .Replace("$framework", ".*", StringComparison.Ordinal)
            .Replace("$deployment", ".*", StringComparison.Ordinal);
}
