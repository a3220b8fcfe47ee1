using k8s.Models;
using Portal.Domain.Manifests;

namespace Portal.Application.Ports;

/// <summary>
/// Every write the portal makes to a cluster for one deployment. Each call is idempotent, so a job can run it
/// again after a crash or a retry.
/// </summary>
public interface IClusterWriter
{
    /// <summary>Makes sure the namespace exists (creating it only when the portal may).</summary>
    Task EnsureNamespaceAsync(string name, CancellationToken cancellationToken);

    /// <summary>Applies every rendered object (server-side apply) and removes an autoscaler the spec no longer asks for.</summary>
    Task ApplyAsync(RenderedManifests manifests, CancellationToken cancellationToken);

    Task ApplySecretAsync(V1Secret secret, CancellationToken cancellationToken);

    /// <summary>Sets the StatefulSet's replicas through its scale subresource.</summary>
    Task ScaleAsync(string ns, string name, int replicas, CancellationToken cancellationToken);

    /// <summary>
    /// Sets or removes KEDA's <c>autoscaling.keda.sh/force-activation</c> annotation on the deployment's ScaledObject:
    /// while it is set KEDA activates the target from zero and keeps it active.
    /// </summary>
    Task SetForceActivationAsync(string ns, string name, bool active, CancellationToken cancellationToken);

    /// <summary>Removes what the portal created; the model-cache claims stay unless <paramref name="deleteModelCache"/>.</summary>
    Task DeleteAsync(string ns, string name, bool deleteModelCache, CancellationToken cancellationToken);

    /// <summary>Whether any of the deployment's objects or pods is still there.</summary>
    Task<bool> AnythingLeftAsync(string ns, string name, CancellationToken cancellationToken);
}
