namespace Portal.Application.Deployments;

/// <summary>
/// In-process signal that a deployment's stored state changed, so open pages refresh at once.
/// Writers call <see cref="Publish"/> after saving; pages subscribe and re-read.
/// </summary>
public sealed class DeploymentChanges
{
    public event Action<DeploymentChanged>? Changed;

    public void Publish(Guid deploymentId, string name) => Changed?.Invoke(new DeploymentChanged(deploymentId, name));
}

public sealed record DeploymentChanged(Guid DeploymentId, string Name);
