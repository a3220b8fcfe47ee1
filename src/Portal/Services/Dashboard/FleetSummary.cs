namespace Portal.Services.Dashboard;

/// <summary>The last <see cref="Capacity"/> values of a fleet figure, for a card's sparkline; NaN marks a gap.</summary>
public sealed class TrendBuffer
{
    public const int Capacity = 60;

    private readonly double[] _values = new double[Capacity];
    private int _count;
    private int _next;

    public void Clear()
    {
        _count = 0;
        _next = 0;
    }

    public void Add(double value)
    {
        _values[_next] = value;
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    /// <summary>The values, oldest first.</summary>
    public double[] Values()
    {
        var result = new double[_count];
        var first = (_next - _count + Capacity) % Capacity;
        for (var i = 0; i < _count; i++)
        {
            result[i] = _values[(first + i) % Capacity];
        }

        return result;
    }
}

public enum StatTone
{
    Normal,
    Good,
    Warning,
    Bad,
}

/// <summary>One fleet card: the figure now, a line of detail, and the recent values for the sparkline.</summary>
public sealed record StatCardModel(string Id, string Label, string Value, string Detail, IReadOnlyList<double> Trend, StatTone Tone = StatTone.Normal)
{
    // Records compare arrays by reference; cards compare their trend by value so unchanged cards skip rendering.
    public bool Equals(StatCardModel? other) =>
        other is not null && Id == other.Id && Label == other.Label && Value == other.Value && Detail == other.Detail &&
        Tone == other.Tone && Trend.SequenceEqual(other.Trend);

    public override int GetHashCode() => HashCode.Combine(Id, Value, Detail, Tone, Trend.Count);
}

/// <summary>Where Prometheus stands for this dashboard: the last good refresh, the current error and since when.</summary>
public sealed record DashboardStatus(
    DateTimeOffset? LastSuccess,
    PrometheusErrorView? Error,
    bool Paused,
    bool Live,
    int QueriesLastRefresh);

/// <summary>A Prometheus failure as the banner shows it.</summary>
public sealed record PrometheusErrorView(string Url, string Kind, string Message, DateTimeOffset Since);
