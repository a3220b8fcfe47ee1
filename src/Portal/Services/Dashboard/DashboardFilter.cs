using System.Globalization;

namespace Portal.Services.Dashboard;

/// <summary>A time range the picker offers.</summary>
public sealed record TimeRangeOption(string Key, string Label, TimeSpan Duration);

/// <summary>
/// What the dashboard shows: a time range (live, ending now, or a fixed custom window) and a filter by
/// namespace, framework and deployment. It round-trips through the URL's query string so a view can be shared.
/// </summary>
public sealed record DashboardFilter
{
    public const string CustomRange = "custom";
    public const string DefaultRange = "15m";

    public static IReadOnlyList<TimeRangeOption> Ranges { get; } =
    [
        new("5m", "5 min", TimeSpan.FromMinutes(5)),
        new("15m", "15 min", TimeSpan.FromMinutes(15)),
        new("1h", "1 hour", TimeSpan.FromHours(1)),
        new("6h", "6 hours", TimeSpan.FromHours(6)),
        new("24h", "24 hours", TimeSpan.FromHours(24)),
    ];

    public string Range { get; init; } = DefaultRange;

    /// <summary>Start of a custom range (UTC).</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>End of a custom range (UTC).</summary>
    public DateTimeOffset? To { get; init; }

    public string? Namespace { get; init; }

    public string? Framework { get; init; }

    public string? Deployment { get; init; }

    /// <summary>A custom range is a fixed window: nothing to append to it.</summary>
    public bool IsLive => Range != CustomRange;

    public bool FiltersDeployments => Namespace is not null || Framework is not null || Deployment is not null;

    /// <summary>The length of the window shown.</summary>
    public TimeSpan Duration => IsLive ? Ranges.First(r => r.Key == Range).Duration : To!.Value - From!.Value;

    /// <summary>Reads the query string; anything unreadable falls back to the default (a shared link never breaks the page).</summary>
    public static DashboardFilter FromQuery(string? range, string? from, string? to, string? ns, string? framework, string? deployment)
    {
        var filter = new DashboardFilter { Namespace = Clean(ns), Framework = Clean(framework), Deployment = Clean(deployment) };
        if (range == CustomRange && ParseTime(from) is { } start && ParseTime(to) is { } end && end > start)
        {
            return filter with { Range = CustomRange, From = start, To = end };
        }

        return filter with { Range = Ranges.Any(r => r.Key == range) ? range! : DefaultRange };
    }

    /// <summary>The query-string values for this filter (null removes a parameter; defaults are left out).</summary>
    public IReadOnlyDictionary<string, object?> ToQuery() => new Dictionary<string, object?>
    {
        ["range"] = Range == DefaultRange ? null : Range,
        ["from"] = IsLive ? null : From!.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["to"] = IsLive ? null : To!.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["namespace"] = Namespace,
        ["framework"] = Framework,
        ["deployment"] = Deployment,
    };

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
}
