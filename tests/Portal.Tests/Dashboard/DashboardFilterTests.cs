using Portal.Services.Dashboard;

namespace Portal.Tests.Dashboard;

public sealed class DashboardFilterTests
{
    [Fact]
    public void A_filter_round_trips_through_the_query_string_and_defaults_are_left_out()
    {
        var filter = DashboardFilter.FromQuery("1h", null, null, "models", "vllm", "qwen-7b");

        Assert.Equal(new DashboardFilter { Range = "1h", Namespace = "models", Framework = "vllm", Deployment = "qwen-7b" }, filter);
        var query = filter.ToQuery();
        Assert.Equal("1h", query["range"]);
        Assert.Equal("models", query["namespace"]);
        Assert.Null(query["from"]);
        Assert.Null(new DashboardFilter().ToQuery()["range"]);
    }

    [Fact]
    public void A_custom_range_is_a_fixed_window_in_UTC()
    {
        var filter = DashboardFilter.FromQuery("custom", "2026-11-26T08:00:00Z", "2026-11-26T10:30:00Z", null, null, null);

        Assert.False(filter.IsLive);
        Assert.Equal(TimeSpan.FromHours(2.5), filter.Duration);
        Assert.Equal("2026-11-26T08:00:00Z", filter.ToQuery()["from"]);
    }

    [Theory]
    [InlineData("2h", null, null)]
    [InlineData("custom", "yesterday", "2026-11-26T10:30:00Z")]
    [InlineData("custom", "2026-11-26T10:30:00Z", "2026-11-26T08:00:00Z")]
    public void A_link_with_an_unreadable_range_shows_the_default_range(string range, string? from, string? to)
    {
        var filter = DashboardFilter.FromQuery(range, from, to, " ", null, null);

        Assert.Equal(DashboardFilter.DefaultRange, filter.Range);
        Assert.True(filter.IsLive);
        Assert.Null(filter.Namespace);
    }

    [Theory]
    [InlineData("5m", 5, 61)]
    [InlineData("15m", 5, 181)]
    [InlineData("1h", 10, 361)]
    [InlineData("6h", 60, 361)]
    [InlineData("24h", 300, 289)]
    public void Each_range_has_at_most_361_points_on_a_step_grid_aligned_to_the_epoch(string range, int stepSeconds, int points)
    {
        var now = DateTimeOffset.Parse("2026-11-26T10:17:43.250Z", System.Globalization.CultureInfo.InvariantCulture);

        var window = DashboardWindow.For(new DashboardFilter { Range = range }, now);

        Assert.Equal(TimeSpan.FromSeconds(stepSeconds), window.Step);
        Assert.Equal(points, window.Points);
        Assert.Equal(0, window.End.ToUnixTimeMilliseconds() % (stepSeconds * 1000));
        Assert.True(window.End <= now && now - window.End < window.Step);
    }

    [Fact]
    public void After_the_last_point_only_whole_new_steps_are_asked_for()
    {
        var now = DateTimeOffset.Parse("2026-11-26T10:00:02Z", System.Globalization.CultureInfo.InvariantCulture);
        var window = DashboardWindow.For(new DashboardFilter { Range = "5m" }, now);

        Assert.Null(window.After(window.End, now.AddSeconds(2)));
        var next = window.After(window.End, now.AddSeconds(4))!.Value;
        Assert.Equal(window.End.AddSeconds(5), next.Start);
        Assert.Equal(window.End.AddSeconds(5), next.End);
        var afterOutage = window.After(window.End, now.AddMinutes(30))!.Value;
        Assert.Equal(61, afterOutage.Points); // never more than the range itself
    }
}
