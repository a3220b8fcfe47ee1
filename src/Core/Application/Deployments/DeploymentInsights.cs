using Portal.Application.Ports;
using Portal.Domain.Deployments;

namespace Portal.Application.Deployments;

/// <summary>What the cluster shows of one deployment: its pods and events, or why they cannot be read now.</summary>
public sealed record ClusterView(IReadOnlyList<PodInfo> Pods, IReadOnlyList<EventInfo> Events, string? Problem);

/// <summary>
/// The deployment page's read-only view of the cluster: pods, events and logs of one deployment, with
/// cluster failures turned into a sentence to show instead of an exception.
/// </summary>
public sealed class DeploymentInsights(IClusterInspector inspector, IClusterResilience resilience)
{
    public async Task<ClusterView> ReadAsync(Deployment deployment, CancellationToken cancellationToken)
    {
        try
        {
            var pods = inspector.PodsAsync(deployment.Namespace, deployment.Name, cancellationToken);
            var events = inspector.EventsAsync(deployment.Namespace, deployment.Name, cancellationToken);
            return new ClusterView(await pods, await events, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ClusterView([], [], $"The cluster cannot be read now: {resilience.Describe(e)}");
        }
    }

    public Task<IReadOnlyList<string>> LogTailAsync(string ns, string pod, int tailLines, CancellationToken cancellationToken) =>
        inspector.LogTailAsync(ns, pod, tailLines, cancellationToken);

    public IAsyncEnumerable<string> FollowLogAsync(string ns, string pod, int tailLines, CancellationToken cancellationToken) =>
        inspector.FollowLogAsync(ns, pod, tailLines, cancellationToken);

    /// <summary>A sentence for a failed log read.</summary>
    public string Describe(Exception exception) => resilience.Describe(exception);
}
