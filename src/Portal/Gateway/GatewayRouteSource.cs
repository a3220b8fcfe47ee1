using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Options;
using Portal.Application.Deployments;
using Portal.Application.Ports;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Manifests;

namespace Portal.Gateway;

/// <summary>
/// Keeps <see cref="GatewayRouteTable"/> current: deployments from the database (re-read when
/// <see cref="DeploymentChanges"/> fires, and every <see cref="GatewayOptions.RouteRefreshInterval"/>),
/// ready pods from the <see cref="IPodDirectory"/> (the pod informer). A request never triggers a database or Kubernetes call.
/// </summary>
public sealed partial class GatewayRouteSource(
    GatewayRouteTable table,
    DeploymentQueries deployments,
    DeploymentChanges changes,
    IPodDirectory pods,
    GatewayMetrics metrics,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<GatewayRouteSource> logger) : BackgroundService
{
    /// <summary>
    /// Rebuilds from the database at most this often: a burst of changes (a busy REST API, or every change of the other
    /// replicas arriving by notification) costs one read of all deployments, not one per change.
    /// </summary>
    public static readonly TimeSpan MinimumRefreshGap = TimeSpan.FromMilliseconds(200);

    private readonly Channel<bool> _refresh = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PodEndpoint> _endpoints = new(StringComparer.Ordinal);
    private IReadOnlyList<Deployment> _deployments = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        changes.Changed += OnDeploymentChanged;
        pods.Changed += Rebuild;
        try
        {
            using var timer = new PeriodicTimer(options.Value.RouteRefreshInterval, time);
            var tick = Task.Run(async () =>
            {
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    _refresh.Writer.TryWrite(true);
                }
            }, stoppingToken);

            _refresh.Writer.TryWrite(true);
            await foreach (var _ in _refresh.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    var rows = await deployments.ListDeploymentsAsync(stoppingToken);
                    lock (_lock)
                    {
                        _deployments = rows;
                    }

                    foreach (var ns in rows.Select(d => d.Namespace).Distinct(StringComparer.Ordinal))
                    {
                        pods.Watch(ns);
                    }

                    Rebuild();
                    await Task.Delay(MinimumRefreshGap, time, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    LogRefreshFailed(e.Message);
                }
            }

            await tick.ContinueWith(_ => { }, TaskScheduler.Default);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            changes.Changed -= OnDeploymentChanged;
            pods.Changed -= Rebuild;
        }
    }

    /// <summary>Re-reads the database now and rebuilds the table; for tests and for callers that just changed something.</summary>
    public void RequestRefresh() => _refresh.Writer.TryWrite(true);

    private void OnDeploymentChanged(DeploymentChanged change) => _refresh.Writer.TryWrite(true);

    private void Rebuild()
    {
        GatewayRouteSnapshot snapshot;
        lock (_lock)
        {
            var live = new HashSet<string>(StringComparer.Ordinal);
            var routes = new List<DeploymentRoute>();
            foreach (var deployment in _deployments.Where(d => d.DesiredState != DesiredState.Deleted).OrderBy(d => d.Name, StringComparer.Ordinal))
            {
                if (!EngineProfiles.TryGet(deployment.Framework, out var profile))
                {
                    continue;
                }

                // A deployment that wakes from zero serves from its first Ready pod, before reconcile records the new state.
                var wakes = deployment.DesiredState == DesiredState.Running && deployment.Spec.Autoscaling is { Mode: AutoscalingMode.Keda, MinReplicas: 0 };
                var serving = deployment.DesiredState == DesiredState.Running
                    && (wakes || deployment.ObservedState is ObservedState.Ready or ObservedState.Degraded or ObservedState.Scaling);
                var pods = serving ? ReadyPods(deployment, profile, live) : [];
                routes.Add(new DeploymentRoute(
                    deployment.Name, deployment.Namespace, deployment.Framework, ModelNameOf(deployment, profile),
                    deployment.ObservedState.ToString(), deployment.CreatedAt, pods, metrics.For(deployment.Name, deployment.Framework), wakes));
            }

            foreach (var gone in _endpoints.Keys.Where(k => !live.Contains(k)).ToList())
            {
                _endpoints.Remove(gone);
            }

            snapshot = new GatewayRouteSnapshot(routes, time.GetUtcNow());
        }

        table.Publish(snapshot);
    }

    private PodEndpoint[] ReadyPods(Deployment deployment, EngineProfile profile, HashSet<string> live)
    {
        var ready = new List<PodEndpoint>();
        foreach (var pod in pods.Pods(deployment.Namespace).OrderBy(p => p.Name(), StringComparer.Ordinal))
        {
            if (pod.GetLabel(PortalLabels.Instance) != deployment.Name || !IsReady(pod))
            {
                continue;
            }

            // A pod of an earlier framework (during a change of engine) listens on its own port.
            var podProfile = EngineProfiles.TryGet(pod.GetLabel(PortalLabels.Framework), out var own) ? own : profile;
            var prefix = pods.BaseUri(pod, podProfile.ContainerPort).ToString();
            var key = $"{deployment.Namespace}/{pod.Name()}/{prefix}";
            if (!_endpoints.TryGetValue(key, out var endpoint))
            {
                endpoint = new PodEndpoint(deployment.Namespace, pod.Name(), prefix, podProfile.OpenAiBasePath);
                _endpoints[key] = endpoint;
            }

            live.Add(key);
            ready.Add(endpoint);
        }

        return [.. ready];
    }

    /// <summary>The name clients use and the engine knows: the served name where the engine takes one, else the model (Ollama tags).</summary>
    public static string ModelNameOf(Deployment deployment, EngineProfile profile) =>
        profile.Supports(EngineOption.ServedModelName) ? deployment.Spec.EffectiveServedModelName : deployment.Model;

    private static bool IsReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null
        && !string.IsNullOrEmpty(pod.Status?.PodIP)
        && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway routes: reading deployments failed: {Reason}")]
    private partial void LogRefreshFailed(string reason);
}
