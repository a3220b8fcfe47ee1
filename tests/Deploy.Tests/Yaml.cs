using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Portal.Deploy.Tests;

/// <summary>
/// YAML read the way Helm reads values files: plain scalars typed as YAML's core schema
/// types them (null, bool, int, float), quoted ones as strings; and Helm's merge of a
/// values file over the chart's defaults.
/// </summary>
internal static partial class Yaml
{
    public static JsonNode? Parse(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : ToJson(stream.Documents[0].RootNode);
    }

    public static JsonNode? ParseFile(params string[] repoPath) => Parse(Repo.Read(repoPath));

    /// <summary>Every document of a multi-document stream (empty ones left out).</summary>
    public static IReadOnlyList<JsonNode> ParseAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonNode>().ToList();
    }

    /// <summary>
    /// Helm's coalescing of user values over chart defaults: maps merge key by key,
    /// anything else is replaced, and a null removes the key.
    /// </summary>
    public static JsonObject Merge(JsonObject defaults, JsonObject overrides)
    {
        var result = (JsonObject)defaults.DeepClone();
        foreach (var (key, value) in overrides)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonObject overrideMap && result[key] is JsonObject defaultMap)
            {
                result[key] = Merge(defaultMap, overrideMap);
            }
            else
            {
                result[key] = value.DeepClone();
            }
        }

        return result;
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not (YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any))
        {
            return JsonValue.Create(value);
        }

        if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (value is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (value is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (IntPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)integer) : JsonValue.Create(integer);
        }

        if (FloatPattern().IsMatch(value))
        {
            return JsonValue.Create(double.Parse(value, CultureInfo.InvariantCulture));
        }

        return JsonValue.Create(value);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
