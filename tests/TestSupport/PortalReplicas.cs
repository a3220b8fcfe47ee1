extern alias simulator;

using System.Net.Http.Json;
using Portal.Domain.Deployments;
using simulator::Portal.Simulator;

namespace Portal.TestSupport;

/// <summary>
/// Two portal replicas as separate processes on one PostgreSQL database and one simulated cluster, configured as the
/// Helm chart's scale-out values configure them (Database:Provider PostgreSql, so Hangfire:Storage defaults to PostgreSql; Portal:ExpectReplicas 2),
/// with test-speed intervals. Both are launched at the same moment, so their start-ups race for the migrations.
/// </summary>
public sealed class PortalReplicas : IAsyncDisposable
{
    private PortalReplicas(SimulatedCluster cluster, string connectionString, PortalProcess[] replicas)
    {
        Cluster = cluster;
        ConnectionString = connectionString;
        Replicas = replicas;
    }

    public SimulatedCluster Cluster { get; }

    public string ConnectionString { get; }

    public IReadOnlyList<PortalProcess> Replicas { get; }

    public PortalProcess A => Replicas[0];

    public PortalProcess B => Replicas[1];

    public static TimeSpan ReconcileInterval { get; } = TimeSpan.FromSeconds(6);

    /// <summary>The settings of one replica on <paramref name="connectionString"/> and <paramref name="cluster"/>.</summary>
    public static Dictionary<string, string?> Settings(string connectionString, SimulatedCluster cluster) => new()
    {
        ["Database:Provider"] = "PostgreSql",
        ["ConnectionStrings:Portal"] = connectionString,
        ["Hangfire:WorkerCount"] = "2",
        ["Hangfire:QueuePollInterval"] = "00:00:00.200",
        ["Hangfire:InvisibilityTimeout"] = "00:00:05", // renewed about every second while a job runs; shorter risks a busy machine missing a renewal
        ["Hangfire:DistributedLockTimeout"] = "00:00:03",
        ["Portal:ExpectReplicas"] = "2",
        ["Reconcile:Interval"] = $"00:00:{ReconcileInterval.TotalSeconds:00}",
        ["Reconcile:LostJobGrace"] = "00:00:01",
        ["Kubernetes:Kubeconfig"] = cluster.KubeconfigPath,
        ["Kubernetes:Namespaces:0"] = "default",
        ["Kubernetes:CreateNamespaces"] = "true",
        ["Auth:BootstrapAdmin:Email"] = PortalAppFactory.AdminEmail,
        ["Auth:BootstrapAdmin:Password"] = PortalAppFactory.AdminPassword,
        ["Auth:BootstrapApiKey"] = PortalOnSimulator.AdminApiKey,
        ["Jobs:RetryBaseDelay"] = "00:00:00.050",
        ["Jobs:RetryMaxDelay"] = "00:00:00.500",
        ["Logging:LogLevel:Portal.Infrastructure.Persistence.PortalDatabaseInitializer"] = "Information",
    };

    public static async Task<PortalReplicas> StartAsync(
        PostgreSqlServer postgres,
        SimulatorOptions? simulator = null,
        IDictionary<string, string?>? settings = null,
        CancellationToken cancellationToken = default)
    {
        var cluster = await SimulatedCluster.StartAsync(simulator ?? PortalOnSimulator.FastSimulator, cancellationToken);
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken: cancellationToken);
        var all = Settings(connectionString, cluster);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var replicas = new[] { PortalProcess.Launch(all), PortalProcess.Launch(all) };
        var pair = new PortalReplicas(cluster, connectionString, replicas);
        try
        {
            await Task.WhenAll(replicas.Select(r => r.WaitUntilReadyAsync(TimeSpan.FromSeconds(120), cancellationToken)));
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls a deployment through <paramref name="replica"/>'s REST API until <paramref name="until"/> holds.</summary>
    public static async Task<DeploymentView> WaitForDeploymentAsync(
        PortalProcess replica, string name, Func<DeploymentView, bool> until, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = replica.ApiClient();
        var deadline = DateTime.UtcNow + timeout;
        DeploymentView? last = null;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync($"/api/v1/deployments/{name}", cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                last = await response.Content.ReadFromJsonAsync<DeploymentView>(PortalJson.Options, cancellationToken);
                if (last is not null && until(last))
                {
                    return last;
                }
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"deployment {name} did not reach the expected state through {replica.BaseAddress} within {timeout}; last seen: {last}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in Replicas)
        {
            await replica.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }
}
