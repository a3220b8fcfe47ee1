using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Domain.Deployments;

/// <summary>
/// The one JSON shape of the portal: camelCase names, enums as camelCase strings, numbers as JSON numbers only
/// (<c>"replicas": "2"</c> is refused, as the Kubernetes API refuses it) — REST API and stored specs alike.
/// </summary>
public static class PortalJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new FiniteDoubleConverter());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }
}

/// <summary>
/// Reads a JSON number as a finite double: one too large for a double (<c>1e400</c>) is refused where it is read,
/// instead of becoming infinity, which no JSON writer (nor the spec's own storage) can write back.
/// </summary>
public sealed class FiniteDoubleConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetDouble();
        return double.IsFinite(value) ? value : throw new JsonException("The number is too large.");
    }

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}
