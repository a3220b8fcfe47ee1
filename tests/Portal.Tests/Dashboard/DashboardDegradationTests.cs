using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Portal.Services.Dashboard;
using Portal.TestSupport;

namespace Portal.Tests.Dashboard;

/// <summary>A dashboard whose Prometheus cannot be reached: a typed status for the banner, stale charts, no exception.</summary>
public sealed class DashboardDegradationTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unreachable_Prometheus_is_a_status_with_the_URL_and_error_and_every_chart_is_marked_stale()
    {
        var port = FreePort();
        await using var portal = new PortalAppFactory(PortalAppFactory.NewDatabasePath(), settings: new Dictionary<string, string?>
        {
            ["Prometheus:Url"] = $"http://127.0.0.1:{port}/",
            ["Prometheus:Retries"] = "0",
        }).Start();
        await using var session = portal.Services.GetRequiredService<DashboardSessionFactory>().Create(new DashboardFilter());
        var updates = DashboardFixture.Capture(session);

        await session.RefreshAsync(Ct);

        var error = session.Status.Error;
        Assert.NotNull(error);
        Assert.Equal($"http://127.0.0.1:{port}/", error.Url);
        Assert.Equal("unreachable", error.Kind);
        Assert.Contains("Connection refused", error.Message);
        Assert.Null(session.Status.LastSuccess);
        Assert.All(session.Panels, p => Assert.True(p.Stale));
        Assert.All(updates.Values, q => Assert.Empty(q));
        Assert.Equal("–", session.Cards.Single(c => c.Id == "gpus").Value);
    }

    [Fact]
    public async Task Without_a_Prometheus_URL_the_dashboard_says_it_is_not_configured()
    {
        await using var portal = new PortalAppFactory(PortalAppFactory.NewDatabasePath()).Start();
        await using var session = portal.Services.GetRequiredService<DashboardSessionFactory>().Create(new DashboardFilter());

        await session.RefreshAsync(Ct);

        Assert.Equal("not configured", session.Status.Error?.Kind);
        Assert.Contains("Prometheus:Url", session.Status.Error!.Message);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
