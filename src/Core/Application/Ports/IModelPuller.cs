using Portal.Domain.Deployments;

namespace Portal.Application.Ports;

/// <summary>Pulls the model into every ready pod of engines that load models after start (Ollama), recording progress on the deployment.</summary>
public interface IModelPuller
{
    /// <summary>Returns on how many pods the model was pulled.</summary>
    Task<int> PullOnReadyPodsAsync(Deployment deployment, CancellationToken cancellationToken);
}
