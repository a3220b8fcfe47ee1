extern alias simulator;

using System.Net.Http.Headers;
using System.Net.Http.Json;
using Portal.Domain.Deployments;
using simulator::Portal.Simulator;

namespace Portal.TestSupport;

/// <summary>
/// The real portal wired to a simulated GPU cluster, as the local demo runs them: the portal's
/// KubernetesClient talks to the simulator's API server, pods are reached at their loopback IPs.
/// An Admin API key is configured for calling the REST API.
/// </summary>
public sealed class PortalOnSimulator : IAsyncDisposable
{
    public const string AdminApiKey = "ipk_test-admin-key-0123456789abcdef";

    private readonly bool _ownsCluster;

    private PortalOnSimulator(SimulatedCluster cluster, PortalAppFactory portal, bool ownsCluster)
    {
        Cluster = cluster;
        Portal = portal;
        _ownsCluster = ownsCluster;
    }

    public SimulatedCluster Cluster { get; }

    public PortalAppFactory Portal { get; }

    /// <summary>Fast engines and short model loads, so a deployment is ready in well under a second.</summary>
    public static SimulatorOptions FastSimulator { get; } = new()
    {
        ModelLoadTime = TimeSpan.FromMilliseconds(300),
        ContainerStartTime = TimeSpan.FromMilliseconds(50),
        OllamaPullDuration = TimeSpan.FromMilliseconds(800),
        TimeToFirstToken = TimeSpan.FromMilliseconds(20),
        InterTokenLatency = TimeSpan.FromMilliseconds(5),
        // Probes run as the pod spec says, with a simulated second of 50 ms: a 10 s probe period takes 0.5 s.
        ProbeSecond = TimeSpan.FromMilliseconds(50),
        // A 5 s probe timeout would be 250 ms, shorter than a stall of a busy 2-core machine: at least 1 s of real time.
        ProbeTimeoutFloor = TimeSpan.FromSeconds(1),
        // SGLang's health check takes one poll.
        SglangHealthPollInterval = TimeSpan.FromMilliseconds(20),
    };

    public static async Task<PortalOnSimulator> StartAsync(
        SimulatorOptions? simulator = null,
        IDictionary<string, string?>? settings = null,
        string? databasePath = null,
        CancellationToken cancellationToken = default,
        Action<Microsoft.AspNetCore.Hosting.IWebHostBuilder>? configure = null)
    {
        var cluster = await SimulatedCluster.StartAsync(simulator ?? FastSimulator, cancellationToken);
        return Start(cluster, ownsCluster: true, settings, databasePath, configure);
    }

    /// <summary>A portal on a simulator the caller owns (it outlives this portal): for restart tests.</summary>
    public static Task<PortalOnSimulator> StartAsync(
        SimulatedCluster cluster,
        IDictionary<string, string?>? settings = null,
        string? databasePath = null,
        CancellationToken cancellationToken = default,
        Action<Microsoft.AspNetCore.Hosting.IWebHostBuilder>? configure = null) =>
        Task.FromResult(Start(cluster, ownsCluster: false, settings, databasePath, configure));

    /// <summary>The settings a portal needs to run on <paramref name="cluster"/> (kubeconfig, namespaces, the Admin key, short retries).</summary>
    public static Dictionary<string, string?> SettingsFor(SimulatedCluster cluster) => new()
    {
        ["Kubernetes:Kubeconfig"] = cluster.KubeconfigPath,
        ["Kubernetes:Namespaces:0"] = "default",
        ["Kubernetes:Namespaces:1"] = "models",
        ["Kubernetes:CreateNamespaces"] = "true",
        ["Auth:BootstrapApiKey"] = AdminApiKey,
        ["Jobs:RetryBaseDelay"] = "00:00:00.050",
        ["Jobs:RetryMaxDelay"] = "00:00:00.500",
        ["Reconcile:LostJobGrace"] = "00:00:01",
    };

    private static PortalOnSimulator Start(
        SimulatedCluster cluster, bool ownsCluster, IDictionary<string, string?>? settings, string? databasePath, Action<Microsoft.AspNetCore.Hosting.IWebHostBuilder>? configure)
    {
        var all = SettingsFor(cluster);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var portal = new PortalAppFactory(databasePath ?? PortalAppFactory.NewDatabasePath(), settings: all, configure: configure).Start();
        return new PortalOnSimulator(cluster, portal, ownsCluster);
    }

    /// <summary>An HttpClient for the REST API with the given key (the Admin key by default).</summary>
    public HttpClient ApiClient(string? apiKey = AdminApiKey)
    {
        var client = new HttpClient { BaseAddress = Portal.BaseAddress };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>Polls GET /api/v1/deployments/{name} until <paramref name="until"/> holds; returns the last body.</summary>
    public async Task<DeploymentView> WaitForDeploymentAsync(string name, Func<DeploymentView, bool> until, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var client = ApiClient();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        DeploymentView? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var response = await client.GetAsync($"/api/v1/deployments/{name}", cancellationToken);
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

        throw new TimeoutException($"deployment {name} did not reach the expected state; last seen: {last}");
    }

    public async ValueTask DisposeAsync()
    {
        await Portal.DisposeAsync();
        if (_ownsCluster)
        {
            await Cluster.DisposeAsync();
        }
    }
}

/// <summary>The fields of a deployment read back through the REST API that tests look at.</summary>
public sealed record DeploymentView(
    string Name,
    string Namespace,
    string Framework,
    string Model,
    int Replicas,
    string State,
    string DesiredState,
    int ReadyReplicas,
    int DesiredReplicas,
    long Revision,
    string? LastError,
    string? LastEvent,
    string? Drift,
    double? PullPercent);
