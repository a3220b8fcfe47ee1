using k8s.Models;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Application.Reconcile;

/// <summary>What reconcile concluded about one deployment.</summary>
public sealed record Observation(
    ObservedState State,
    int ReadyReplicas,
    int Restarts,
    string? LastEvent,
    string? Drift);

/// <summary>Which operations are still in flight for a deployment (pending or running).</summary>
public sealed record InFlight(bool Deploy, bool Scale, bool Delete, bool Pull)
{
    public static readonly InFlight None = new(false, false, false, false);

    public bool Any => Deploy || Scale || Delete || Pull;
}

/// <summary>
/// Maps the cluster's objects onto a deployment's observed state. A pure function of its
/// inputs, so every rule is testable without a cluster.
/// </summary>
public static class ObservedStateEvaluator
{
    private static readonly string[] CrashReasons = ["CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "OOMKilled"];

    public static Observation Evaluate(Deployment deployment, DeploymentObjects objects, InFlight inFlight)
    {
        var livePods = objects.Pods.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        var ready = livePods.Count(IsReady);
        var restarts = objects.Pods.Sum(p => p.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0);
        var drift = inFlight.Any || deployment.AppliedRevision < deployment.Revision ? null : FindDrift(deployment, objects);

        if (deployment.DesiredState == DesiredState.Deleted)
        {
            return new Observation(ObservedState.Deleting, ready, restarts, MeaningfulEvent(objects, ObservedState.Deleting), null);
        }

        if (deployment.DesiredState == DesiredState.Stopped)
        {
            var state = objects.Pods.Count == 0 ? ObservedState.Stopped : ObservedState.Scaling;
            return new Observation(state, ready, restarts, MeaningfulEvent(objects, state), drift);
        }

        var profile = EngineProfiles.Get(deployment.Framework);
        var desired = DesiredReplicas(deployment, objects);
        var modelReady = !profile.PullsModelAfterStart
            || (deployment.PulledModel == deployment.Model && deployment.PulledReplicas >= Math.Min(ready, desired));
        var crashing = livePods.Any(IsCrashing);
        var unschedulable = livePods.Any(IsUnschedulable);

        if (desired == 0 && livePods.Count == 0 && objects.StatefulSet is not null && !inFlight.Deploy
            && deployment.AppliedRevision >= deployment.Revision && deployment.Spec.Autoscaling is { Mode: AutoscalingMode.Keda, MinReplicas: 0 })
        {
            return new Observation(ObservedState.Idle, 0, restarts, MeaningfulEvent(objects, ObservedState.Idle), drift);
        }

        var observed =
            inFlight.Deploy || deployment.AppliedRevision < deployment.Revision || objects.StatefulSet is null ? ObservedState.Deploying
            : ready >= desired && desired > 0 && modelReady ? ObservedState.Ready
            : crashing && ready == 0 ? ObservedState.Failed
            : crashing || (unschedulable && ready > 0) ? ObservedState.Degraded
            : unschedulable ? ObservedState.Pending
            : ready >= desired && desired > 0 ? ObservedState.Deploying // pods up, the model is still being pulled
            : inFlight.Scale || ready > 0 || IsRolling(objects.StatefulSet) ? ObservedState.Scaling
            : ObservedState.Deploying;
        return new Observation(observed, ready, restarts, MeaningfulEvent(objects, observed), drift);
    }

    /// <summary>The replicas wanted now: the autoscaler's choice when it manages them, else the spec's.</summary>
    public static int DesiredReplicas(Deployment deployment, DeploymentObjects objects) =>
        deployment.DesiredState != DesiredState.Running ? 0
        : deployment.Spec.Autoscaling.Mode != AutoscalingMode.Off ? objects.StatefulSet?.Spec?.Replicas ?? deployment.Spec.Autoscaling.MinReplicas
        : deployment.Spec.Replicas;

    /// <summary>Differences between what the portal applied and what the cluster has, in words; null when they agree.</summary>
    public static string? FindDrift(Deployment deployment, DeploymentObjects objects)
    {
        if (deployment.DesiredState == DesiredState.Deleted)
        {
            return null;
        }

        var found = new List<string>();
        if (objects.StatefulSet is null)
        {
            found.Add("the StatefulSet is missing");
        }
        else
        {
            var replicas = objects.StatefulSet.Spec?.Replicas;
            var autoscaled = deployment.DesiredState == DesiredState.Running && deployment.Spec.Autoscaling.Mode != AutoscalingMode.Off;
            if (!autoscaled && replicas != deployment.DesiredReplicas)
            {
                found.Add($"the StatefulSet has {replicas} replicas, the portal wants {deployment.DesiredReplicas}");
            }

            var container = objects.StatefulSet.Spec?.Template?.Spec?.Containers?.FirstOrDefault();
            var wantedImage = EngineProfiles.Get(deployment.Framework).Image(deployment.Spec.ImageTag);
            if (container is not null && container.Image != wantedImage)
            {
                found.Add($"the container image is {container.Image}, the portal wants {wantedImage}");
            }
        }

        if (objects.Service is null)
        {
            found.Add("the Service is missing");
        }

        return found.Count == 0 ? null : string.Join("; ", found);
    }

    public static bool IsReady(V1Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static bool IsCrashing(V1Pod pod) =>
        pod.Status?.ContainerStatuses?.Any(c =>
            (c.State?.Waiting?.Reason is { } waiting && CrashReasons.Contains(waiting))
            || c.State?.Terminated is not null) == true;

    private static bool IsUnschedulable(V1Pod pod) =>
        pod.Status?.Phase == "Pending"
        && pod.Status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False") == true;

    private static bool IsRolling(V1StatefulSet? set) =>
        set?.Status is { } status && (status.ObservedGeneration < set.Metadata.Generation || status.Replicas != set.Spec?.Replicas);

    /// <summary>
    /// "reason: message" of the event that explains the state: the newest warning while something
    /// is wrong or under way, the newest event once all is well (old warnings would mislead then).
    /// A pod that cannot be scheduled is the blocker: its FailedScheduling comes before newer warnings of pods
    /// that merely still load (a startup probe fails, as it records Unhealthy, until the model is in memory).
    /// </summary>
    private static string? MeaningfulEvent(DeploymentObjects objects, ObservedState state)
    {
        var unschedulable = objects.Pods.Where(IsUnschedulable).Select(p => p.Name()).ToHashSet(StringComparer.Ordinal);
        var e = state is ObservedState.Ready or ObservedState.Stopped
            ? objects.Events.FirstOrDefault(e => e.Type != "Warning")
            : objects.Events.FirstOrDefault(e => e is { Type: "Warning", Reason: "FailedScheduling" } && unschedulable.Contains(e.InvolvedObject?.Name ?? ""))
              ?? objects.Events.FirstOrDefault(e => e.Type == "Warning")
              ?? objects.Events.FirstOrDefault();
        return e is null ? null : $"{e.Reason}: {e.Message}";
    }
}
