using Portal.Simulator;
using Portal.TestSupport;

namespace Portal.Infrastructure.Tests.Prometheus;

/// <summary>A simulated cluster (one node, two GPUs) scraped by a real Prometheus every second, shared by a test class.</summary>
public sealed class PrometheusOnSimulator : IAsyncLifetime
{
    public SimulatedCluster Cluster { get; private set; } = default!;

    public PrometheusServer Prometheus { get; private set; } = default!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await SimulatedCluster.StartAsync(new SimulatorOptions { ProbeSecond = PortalOnSimulator.FastSimulator.ProbeSecond, SglangHealthPollInterval = PortalOnSimulator.FastSimulator.SglangHealthPollInterval, Nodes = 1, GpusPerNode = 2 }, CancellationToken.None);
        Prometheus = await PrometheusServer.StartAsync(Cluster.PrometheusSdPath);
        // The first scrape lands some 6 s after start; wait for two so range queries have points to return.
        await Prometheus.WaitForSeriesAsync("count_over_time(DCGM_FI_DEV_GPU_UTIL[1m]) >= 2", atLeast: 2);
    }

    public async ValueTask DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
