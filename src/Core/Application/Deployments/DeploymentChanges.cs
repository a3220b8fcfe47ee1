namespace Portal.Application.Deployments;

/// <summary>
/// In-process signal that a deployment's stored state changed, so open pages refresh at once.
/// Writers call <see cref="Publish"/> after saving; pages subscribe and re-read. With several replicas the
/// infrastructure forwards local changes to the others and raises theirs here with <see cref="PublishFromOtherReplica"/>.
/// </summary>
public sealed class DeploymentChanges
{
    public event Action<DeploymentChanged>? Changed;

    public void Publish(Guid deploymentId, string name) => Changed?.Invoke(new DeploymentChanged(deploymentId, name));

    /// <summary>A change another portal replica made (its own process was told already; it must not be sent back).</summary>
    public void PublishFromOtherReplica(Guid deploymentId, string name) =>
        Changed?.Invoke(new DeploymentChanged(deploymentId, name, FromOtherReplica: true));
}

public sealed record DeploymentChanged(Guid DeploymentId, string Name, bool FromOtherReplica = false);
