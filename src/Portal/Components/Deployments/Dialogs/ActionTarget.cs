using Portal.Application.Deployments;
using Portal.Domain.Deployments;

namespace Portal.Components.Deployments.Dialogs;

/// <summary>What the action dialogs need to know of a deployment.</summary>
public sealed record ActionTarget(string Name, int Replicas, DesiredState DesiredState, int GpusPerReplica, bool Autoscaled)
{
    public static ActionTarget From(DeploymentSummary row) =>
        new(row.Name, row.DesiredReplicas, row.DesiredState, GpusPerReplica: 0, Autoscaled: false);

    public static ActionTarget From(Deployment deployment) =>
        new(deployment.Name, deployment.Spec.Replicas, deployment.DesiredState, deployment.Spec.GpusPerReplica,
            deployment.Spec.Autoscaling.Mode != AutoscalingMode.Off);

    public bool IsRunning => DesiredState == DesiredState.Running;

    public bool IsDeleted => DesiredState == DesiredState.Deleted;
}
