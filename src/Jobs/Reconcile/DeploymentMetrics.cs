using Portal.Core.Deployments;
using Prometheus;

namespace Portal.Jobs.Reconcile;

/// <summary>The portal's view of each deployment on /metrics, refreshed by every reconcile pass.</summary>
public sealed class DeploymentMetrics
{
    private static readonly string[] Labels = ["deployment", "namespace", "framework"];

    private readonly Gauge _ready = Metrics.CreateGauge(
        "portal_deployment_ready", "1 when the deployment is Ready, else 0.", new GaugeConfiguration { LabelNames = Labels });

    private readonly Gauge _replicas = Metrics.CreateGauge(
        "portal_deployment_replicas", "Replicas of the deployment: kind=ready or kind=desired.",
        new GaugeConfiguration { LabelNames = [.. Labels, "kind"] });

    private readonly object _gate = new();
    private HashSet<(string Name, string Ns, string Framework)> _published = [];

    public void Publish(IEnumerable<(Deployment Deployment, int DesiredReplicas)> deployments)
    {
        lock (_gate)
        {
            var now = new HashSet<(string, string, string)>();
            foreach (var (d, desired) in deployments)
            {
                var key = (d.Name, d.Namespace, d.Framework);
                now.Add(key);
                _ready.WithLabels(d.Name, d.Namespace, d.Framework).Set(d.ObservedState == ObservedState.Ready ? 1 : 0);
                _replicas.WithLabels(d.Name, d.Namespace, d.Framework, "ready").Set(d.ReadyReplicas);
                _replicas.WithLabels(d.Name, d.Namespace, d.Framework, "desired").Set(desired);
            }

            foreach (var (name, ns, framework) in _published.Except(now))
            {
                _ready.RemoveLabelled(name, ns, framework);
                _replicas.RemoveLabelled(name, ns, framework, "ready");
                _replicas.RemoveLabelled(name, ns, framework, "desired");
            }

            _published = now;
        }
    }
}
