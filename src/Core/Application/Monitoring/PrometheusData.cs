namespace Portal.Application.Monitoring;

/// <summary>A series' label set. Missing labels read as the empty string, as in PromQL.</summary>
public sealed class MetricLabels(IReadOnlyDictionary<string, string> labels)
{
    public static MetricLabels Empty { get; } = new(new Dictionary<string, string>());

    public IReadOnlyDictionary<string, string> All => labels;

    public string this[string name] => labels.TryGetValue(name, out var value) ? value : "";

    public bool Has(string name) => labels.TryGetValue(name, out var value) && value.Length > 0;

    public override string ToString() => "{" + string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
}

/// <summary>One point of a range query: Unix time in milliseconds and the value (NaN and ±Inf kept).</summary>
public readonly record struct SamplePoint(long UnixMilliseconds, double Value)
{
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(UnixMilliseconds);
}

/// <summary>One series of an instant query.</summary>
public sealed record InstantSample(MetricLabels Labels, DateTimeOffset Time, double Value);

/// <summary>One series of a range query, its points in time order.</summary>
public sealed record RangeSeries(MetricLabels Labels, IReadOnlyList<SamplePoint> Points);

/// <summary>An active scrape target as <c>/api/v1/targets</c> reports it.</summary>
public sealed record ScrapeTarget(
    MetricLabels Labels,
    string ScrapePool,
    string ScrapeUrl,
    string Health,
    string LastError,
    DateTimeOffset? LastScrape,
    TimeSpan LastScrapeDuration)
{
    public bool IsUp => Health == "up";
}
