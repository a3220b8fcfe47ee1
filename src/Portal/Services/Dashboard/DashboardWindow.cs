namespace Portal.Services.Dashboard;

/// <summary>
/// The instants a range query evaluates: <see cref="Start"/>, Start + <see cref="Step"/>, … up to <see cref="End"/>,
/// all multiples of the step since the Unix epoch, so every panel and every refresh shares one grid and new points
/// line up with the ones already drawn.
/// </summary>
public readonly record struct DashboardWindow(DateTimeOffset Start, DateTimeOffset End, TimeSpan Step)
{
    /// <summary>Steps tried in order; the first that keeps a range at or under <see cref="MaxPoints"/> points wins.</summary>
    private static readonly TimeSpan[] Steps =
        [.. new[] { 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200 }.Select(s => TimeSpan.FromSeconds(s))];

    public const int MaxPoints = 360;

    public int Points => (int)((End - Start).Ticks / Step.Ticks) + 1;

    public long StartMs => Start.ToUnixTimeMilliseconds();

    public long StepMs => (long)Step.TotalMilliseconds;

    /// <summary>The range of rate() over this window: at least a minute, and at least four steps so points overlap.</summary>
    public TimeSpan RateWindow => Step * 4 > TimeSpan.FromMinutes(1) ? Step * 4 : TimeSpan.FromMinutes(1);

    /// <summary>The point times, in Unix milliseconds.</summary>
    public long[] Times()
    {
        var times = new long[Points];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = StartMs + i * StepMs;
        }

        return times;
    }

    public static TimeSpan StepFor(TimeSpan duration) =>
        Steps.FirstOrDefault(s => duration.Ticks / s.Ticks <= MaxPoints, Steps[^1]);

    /// <summary>The whole window of <paramref name="filter"/> at <paramref name="now"/>.</summary>
    public static DashboardWindow For(DashboardFilter filter, DateTimeOffset now)
    {
        var step = StepFor(filter.Duration);
        if (!filter.IsLive)
        {
            return new DashboardWindow(Floor(filter.From!.Value, step), Floor(filter.To!.Value, step), step);
        }

        var end = Floor(now, step);
        return new DashboardWindow(end - Floor(filter.Duration, step), end, step);
    }

    /// <summary>The points after <paramref name="lastEnd"/> up to <paramref name="now"/>, or null when no new step has begun.</summary>
    public DashboardWindow? After(DateTimeOffset lastEnd, DateTimeOffset now)
    {
        var start = lastEnd + Step;
        var end = Floor(now, Step);
        if (end < start)
        {
            return null;
        }

        // After a long outage keep to the window's length: older points would scroll out at once.
        var earliest = end - (End - Start);
        return new DashboardWindow(start < earliest ? earliest : start, end, Step);
    }

    private static DateTimeOffset Floor(DateTimeOffset time, TimeSpan step) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds() / (long)step.TotalMilliseconds * (long)step.TotalMilliseconds);

    private static TimeSpan Floor(TimeSpan span, TimeSpan step) => TimeSpan.FromTicks(span.Ticks / step.Ticks * step.Ticks);
}
