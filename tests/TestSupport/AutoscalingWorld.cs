extern alias simulator;

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s;
using simulator::Portal.Simulator;

namespace Portal.TestSupport;

/// <summary>
/// A portal on the simulator whose HPA controller and KEDA operator act, reading a real Prometheus (Debian's) that
/// scrapes the engines, the GPU exporters and the portal every second. The HPA syncs every second and KEDA polls as
/// each ScaledObject says, so the windows a test sets in the spec (polling, cooldown) are what it waits for.
/// </summary>
public sealed class AutoscalingWorld : IAsyncDisposable
{
    private AutoscalingWorld(PortalOnSimulator env, PrometheusServer prometheus)
    {
        Env = env;
        Prometheus = prometheus;
    }

    public PortalOnSimulator Env { get; }

    public PrometheusServer Prometheus { get; }

    public PortalAppFactory Portal => Env.Portal;

    public static async Task<AutoscalingWorld> StartAsync(
        IDictionary<string, string?>? settings = null, SimulatorOptions? simulator = null, CancellationToken cancellationToken = default)
    {
        var targets = Path.Combine(Directory.CreateTempSubdirectory("autoscaling-sd-").FullName, "targets.json");
        var prometheus = PrometheusServer.Prepare(targets);
        var all = new Dictionary<string, string?>
        {
            ["Prometheus:Url"] = prometheus.Url.ToString(),
            ["Prometheus:Timeout"] = "00:00:02",
            ["Manifests:PrometheusServerAddress"] = prometheus.Url.ToString(),
            ["Reconcile:Interval"] = "00:00:02",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var env = await PortalOnSimulator.StartAsync(
            (simulator ?? PortalOnSimulator.FastSimulator) with
            {
                PrometheusSdPath = targets,
                PrometheusUrl = prometheus.Url,
                HpaSyncPeriod = TimeSpan.FromSeconds(1),
            },
            all,
            cancellationToken: cancellationToken);
        var world = new AutoscalingWorld(env, prometheus);
        try
        {
            await prometheus.StartAsync(env.Portal.BaseAddress, cancellationToken);
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    /// <summary>The Kubernetes client on the simulator, as a user with kubectl would look.</summary>
    public Kubernetes Cluster() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(Env.Cluster.KubeconfigPath));

    /// <summary>Creates a deployment through the REST API and fails with the API's answer when it is refused.</summary>
    public async Task CreateAsync(object body, CancellationToken cancellationToken)
    {
        using var api = Env.ApiClient();
        using var response = await api.PostAsJsonAsync("/api/v1/deployments", body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"creating the deployment failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>The StatefulSet's spec.replicas, as the autoscaler set it.</summary>
    public async Task<int> ReplicasAsync(string ns, string name, CancellationToken cancellationToken)
    {
        using var kube = Cluster();
        var sts = await kube.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: cancellationToken);
        return sts.Spec.Replicas ?? 1;
    }

    /// <summary>Polls until <paramref name="until"/> holds for the StatefulSet's (spec replicas, ready replicas); returns when it does.</summary>
    public async Task<(int Replicas, int Ready)> WaitForReplicasAsync(
        string ns, string name, Func<int, int, bool> until, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var kube = Cluster();
        var deadline = DateTime.UtcNow + timeout;
        (int, int) last = (-1, -1);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var sts = await kube.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: cancellationToken);
                last = (sts.Spec.Replicas ?? 1, sts.Status?.ReadyReplicas ?? 0);
                if (until(last.Item1, last.Item2))
                {
                    return last;
                }
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new TimeoutException($"StatefulSet {ns}/{name} did not get there in {timeout}; last (replicas, ready) = {last}; events: {await EventsAsync(ns, cancellationToken)}");
    }

    /// <summary>Every event in the namespace as "Reason: message", oldest first (for failure messages and assertions).</summary>
    public async Task<string> EventsAsync(string ns, CancellationToken cancellationToken)
    {
        using var kube = Cluster();
        var events = await kube.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: cancellationToken);
        return string.Join(" | ", events.Items.OrderBy(e => e.LastTimestamp ?? e.EventTime ?? DateTime.MinValue)
            .Select(e => $"{e.InvolvedObject.Kind}/{e.InvolvedObject.Name} {e.Reason}: {e.Message}"));
    }

    /// <summary>The HPA's status as JSON (the KEDA-made one is <c>keda-hpa-NAME</c>).</summary>
    public async Task<JsonNode?> HpaStatusAsync(string ns, string name, CancellationToken cancellationToken)
    {
        using var kube = Cluster();
        var hpa = await kube.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: cancellationToken);
        return JsonNode.Parse(KubernetesJson.Serialize(hpa.Status));
    }

    public async ValueTask DisposeAsync()
    {
        await Prometheus.DisposeAsync();
        await Env.DisposeAsync();
    }
}
