using Portal.Application.Reconcile;

namespace Portal.Application.Tests.Reconcile;

public sealed class ReconcileOptionsTests
{
    [Theory]
    [InlineData(15, "*/15 * * * * *")]
    [InlineData(30, "*/30 * * * * *")]
    [InlineData(300, "0 */5 * * * *")]
    public void An_interval_becomes_a_seconds_cron(int seconds, string cron) =>
        Assert.Equal(cron, new ReconcileOptions { Interval = TimeSpan.FromSeconds(seconds) }.Cron());

    [Theory]
    [InlineData(7)]
    [InlineData(90)]
    [InlineData(0)]
    public void Intervals_a_cron_cannot_express_are_refused_at_start_up(int seconds) =>
        Assert.False(new ReconcileOptions { Interval = TimeSpan.FromSeconds(seconds) }.IsValid());
}
