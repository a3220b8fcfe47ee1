using Portal.Application.Ports;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Services.Deployments;

public enum ConditionStatus
{
    True,
    Pending,
    False,
}

/// <summary>One line of the deployment's health: what is checked, how it stands, and the detail.</summary>
public sealed record DeploymentCondition(string Title, ConditionStatus Status, string Detail);

/// <summary>The deployment page's conditions, from the stored deployment and the pods read now.</summary>
public static class DeploymentConditions
{
    public static IReadOnlyList<DeploymentCondition> For(Deployment deployment, IReadOnlyList<PodInfo>? pods)
    {
        var list = new List<DeploymentCondition>
        {
            deployment.AppliedRevision >= deployment.Revision
                ? new("Spec applied", ConditionStatus.True, $"revision {deployment.Revision} is on the cluster")
                : new("Spec applied", ConditionStatus.Pending, $"revision {deployment.Revision} is being applied (cluster has {deployment.AppliedRevision})"),
        };

        if (pods is not null && deployment.DesiredState == DesiredState.Running)
        {
            var waiting = pods.Count(p => p.Node is null && !p.Terminating);
            list.Add(waiting == 0
                ? new("Pods scheduled", ConditionStatus.True, pods.Count == 0 ? "no pods yet" : $"all {pods.Count} on GPU nodes")
                : new("Pods scheduled", ConditionStatus.False,
                    $"{waiting} of {pods.Count} pod{(pods.Count == 1 ? "" : "s")} waiting: {pods.First(p => p.Node is null).Message ?? "not scheduled"}"));
        }

        var desired = deployment.DesiredReplicas;
        list.Add(deployment.DesiredState switch
        {
            DesiredState.Stopped => new("Replicas ready", deployment.ReadyReplicas == 0 ? ConditionStatus.True : ConditionStatus.Pending,
                deployment.ReadyReplicas == 0 ? "stopped: no replicas run" : $"stopping: {deployment.ReadyReplicas} still running"),
            DesiredState.Deleted => new("Replicas ready", ConditionStatus.Pending, "being deleted"),
            _ => new("Replicas ready", deployment.ReadyReplicas >= desired && desired > 0 ? ConditionStatus.True : ConditionStatus.Pending,
                $"{deployment.ReadyReplicas} of {desired} ready{(deployment.Restarts > 0 ? $", {deployment.Restarts} restart{(deployment.Restarts == 1 ? "" : "s")}" : "")}"),
        });

        if (EngineProfiles.TryGet(deployment.Framework, out var profile) && profile.PullsModelAfterStart && deployment.DesiredState == DesiredState.Running)
        {
            var pulled = deployment.PulledModel == deployment.Model && deployment.PulledReplicas >= Math.Max(1, deployment.ReadyReplicas);
            list.Add(pulled
                ? new("Model pulled", ConditionStatus.True, $"{deployment.Model} on {deployment.PulledReplicas} pod{(deployment.PulledReplicas == 1 ? "" : "s")}")
                : new("Model pulled", ConditionStatus.Pending, deployment.PullPercent is { } percent
                    ? $"pulling {deployment.Model}: {percent:0.#} %"
                    : $"{deployment.Model} is pulled once a pod is ready"));
        }

        list.Add(deployment.Drift is null
            ? new("Matches the portal", ConditionStatus.True, "no drift found by reconcile")
            : new("Matches the portal", ConditionStatus.False, deployment.Drift));
        return list;
    }
}
