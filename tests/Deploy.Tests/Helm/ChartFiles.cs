using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Portal.Deploy.Tests.Helm;

/// <summary>The model-serving chart's files, read as Helm would: YAML values, a JSON schema.</summary>
internal static class ChartFiles
{
    public static string ChartDirectory { get; } = Path.GetFullPath(Path.Combine(Here(), "..", "..", "..", "deploy", "helm", "model-serving"));

    public static string PathOf(string relative) => Path.Combine(ChartDirectory, relative);

    public static JsonNode ValuesYaml() => YamlToJson(File.ReadAllText(PathOf("values.yaml")));

    public static JsonSchema Schema() => JsonSchema.FromText(File.ReadAllText(PathOf("values.schema.json")));

    /// <summary>YAML as JSON, with plain (unquoted) scalars typed as numbers, booleans or null, as Helm reads them.</summary>
    public static JsonNode YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Count == 0 ? new JsonObject() : ToNode(stream.Documents[0].RootNode) ?? new JsonObject();
    }

    /// <summary>Helm's coalescing of a values file over the chart's defaults: maps merge, everything else is replaced.</summary>
    public static JsonNode Merge(JsonNode defaults, JsonNode overrides)
    {
        if (defaults is JsonObject baseObject && overrides is JsonObject overObject)
        {
            var merged = (JsonObject)baseObject.DeepClone();
            foreach (var (key, value) in overObject)
            {
                merged[key] = merged[key] is { } existing && value is not null ? Merge(existing, value) : value?.DeepClone();
            }

            return merged;
        }

        return overrides.DeepClone();
    }

    /// <summary>Schema errors as "location: message" lines; empty when valid.</summary>
    public static IReadOnlyList<string> Errors(JsonNode instance)
    {
        using var document = JsonDocument.Parse(instance.ToJsonString());
        var results = Schema().Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return results.IsValid
            ? []
            : (results.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))
                .DefaultIfEmpty("invalid")
                .ToArray();
    }

    private static JsonNode? ToNode(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(e => KeyValuePair.Create(((YamlScalarNode)e.Key).Value!, ToNode(e.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToNode).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } plain => PlainScalar(plain.Value ?? ""),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => throw new NotSupportedException(node.NodeType.ToString()),
    };

    private static JsonNode? PlainScalar(string text) => text switch
    {
        "" or "~" or "null" => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
            => integer is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)integer) : JsonValue.Create(integer),
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && char.IsAsciiDigit(text[^1]) && !text.Contains("..") && text.Count(c => c == '.') <= 1
            => JsonValue.Create(number),
        _ => JsonValue.Create(text),
    };

    private static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
