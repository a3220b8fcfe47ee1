using System.Text.Json.Nodes;

namespace Portal.Simulator.Api;

/// <summary>
/// The events.k8s.io/v1 view of core Events, field for field as pkg/apis/events/v1/conversion.go maps them:
/// regarding ↔ involvedObject, note ↔ message, deprecatedSource ↔ source, deprecatedFirstTimestamp ↔
/// firstTimestamp, deprecatedLastTimestamp ↔ lastTimestamp, deprecatedCount ↔ count,
/// reportingController ↔ reportingComponent; eventTime, series, action, reason, type, related and
/// reportingInstance keep their names.
/// </summary>
internal static class EventViews
{
    private static readonly (string Core, string V1)[] Renamed =
    [
        ("involvedObject", "regarding"), ("message", "note"), ("source", "deprecatedSource"), ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount"), ("reportingComponent", "reportingController"),
    ];

    /// <summary>The object as <paramref name="view"/> shows it: unchanged unless the view is another version of its storage.</summary>
    public static JsonObject Present(ResourceType view, JsonObject stored) => view == ResourceTypes.EventsV1 ? ToV1(stored) : stored;

    /// <summary>A client's object of <paramref name="view"/> as the store keeps it.</summary>
    public static JsonObject Store(ResourceType view, JsonObject body) => view == ResourceTypes.EventsV1 ? ToCore(body) : body;

    public static JsonObject ToV1(JsonObject core) => Convert(core, ResourceTypes.EventsV1.ApiVersion, Renamed.Select(r => (r.Core, r.V1)));

    public static JsonObject ToCore(JsonObject v1) => Convert(v1, "v1", Renamed.Select(r => (r.V1, r.Core)));

    private static JsonObject Convert(JsonObject from, string apiVersion, IEnumerable<(string From, string To)> renames)
    {
        var map = renames.ToDictionary(r => r.From, r => r.To);
        var to = new JsonObject();
        foreach (var (key, value) in from)
        {
            var name = map.GetValueOrDefault(key, key);
            if (name is "deprecatedCount" or "count" && value is JsonValue v && v.TryGetValue<long>(out var count) && count == 0)
            {
                continue;
            }

            to[name] = value?.DeepClone();
        }

        to["apiVersion"] = apiVersion;
        to["kind"] = "Event";
        return to;
    }
}
