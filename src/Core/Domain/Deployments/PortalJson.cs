using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Domain.Deployments;

/// <summary>The one JSON shape of the portal: camelCase names, enums as camelCase strings (REST API and stored specs alike).</summary>
public static class PortalJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }
}
