using System.Diagnostics.Metrics;
using Portal.Domain.Deployments;

namespace Portal.Application.Reconcile;

/// <summary>
/// The portal's view of each deployment on /metrics (meter <c>Portal.Deployments</c>): <c>portal_deployment_ready</c>
/// and <c>portal_deployment_replicas{kind=ready|desired}</c>, as last published by a reconcile pass.
/// </summary>
public sealed class DeploymentMetrics
{
    public const string MeterName = "Portal.Deployments";

    private volatile IReadOnlyList<Row> _rows = [];

    public DeploymentMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("portal.deployment.ready", () => _rows.Select(r => new Measurement<int>(r.Ready ? 1 : 0, r.Tags)),
            description: "1 when the deployment is Ready, else 0.");
        meter.CreateObservableGauge("portal.deployment.replicas", ReplicaMeasurements,
            description: "Replicas of the deployment: kind=ready or kind=desired.");
    }

    public void Publish(IEnumerable<(Deployment Deployment, int DesiredReplicas)> deployments) =>
        _rows = deployments.Select(x => new Row(
                [new("deployment", x.Deployment.Name), new("namespace", x.Deployment.Namespace), new("framework", x.Deployment.Framework)],
                x.Deployment.ObservedState == ObservedState.Ready, x.Deployment.ReadyReplicas, x.DesiredReplicas))
            .ToList();

    private IEnumerable<Measurement<int>> ReplicaMeasurements()
    {
        foreach (var row in _rows)
        {
            yield return new Measurement<int>(row.ReadyReplicas, [.. row.Tags, new("kind", "ready")]);
            yield return new Measurement<int>(row.DesiredReplicas, [.. row.Tags, new("kind", "desired")]);
        }
    }

    private sealed record Row(KeyValuePair<string, object?>[] Tags, bool Ready, int ReadyReplicas, int DesiredReplicas);
}
