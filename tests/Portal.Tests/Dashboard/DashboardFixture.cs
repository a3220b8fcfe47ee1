using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Portal.Services.Dashboard;
using Portal.TestSupport;

namespace Portal.Tests.Dashboard;

/// <summary>The portal, a simulated cluster with one deployment per framework under load, and a real Prometheus, for a test class.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public PrometheusMonitoredPortal World { get; private set; } = default!;

    public DashboardSessionFactory Sessions => World.Portal.Services.GetRequiredService<DashboardSessionFactory>();

    public async ValueTask InitializeAsync() => World = await PrometheusMonitoredPortal.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (World is not null)
        {
            await World.DisposeAsync();
        }
    }

    /// <summary>Every update each chart of <paramref name="session"/> is sent, by panel id.</summary>
    public static ConcurrentDictionary<string, ConcurrentQueue<PanelUpdate>> Capture(DashboardSession session)
    {
        var updates = new ConcurrentDictionary<string, ConcurrentQueue<PanelUpdate>>();
        foreach (var panel in session.Panels)
        {
            var queue = updates.GetOrAdd(panel.Id, _ => new ConcurrentQueue<PanelUpdate>());
            panel.Updated += queue.Enqueue;
        }

        return updates;
    }
}
