using Portal.Application.Ports;
using Portal.Domain.Deployments;

namespace Portal.Application.Deployments;

/// <summary>
/// What the cluster shows of one deployment: its pods and events, or why they cannot be read now; for each pod that
/// restarted and is not ready (crash-looping), the last lines its previous container wrote.
/// </summary>
public sealed record ClusterView(IReadOnlyList<PodInfo> Pods, IReadOnlyList<EventInfo> Events, string? Problem)
{
    public IReadOnlyDictionary<string, IReadOnlyList<string>> CrashLogs { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}

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
            var view = new ClusterView(await pods, await events, null);
            return view with { CrashLogs = await CrashLogsAsync(deployment.Namespace, view.Pods, cancellationToken) };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new ClusterView([], [], $"The cluster cannot be read now: {resilience.Describe(e)}");
        }
    }

    /// <summary>How many of a crashed container's last lines the page shows.</summary>
    public const int CrashLogLines = 10;

    private async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> CrashLogsAsync(string ns, IReadOnlyList<PodInfo> pods, CancellationToken cancellationToken)
    {
        var logs = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => p is { Ready: false, Terminating: false, Restarts: > 0 }))
        {
            try
            {
                logs[pod.Name] = await inspector.PreviousLogTailAsync(ns, pod.Name, CrashLogLines, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // No previous container to read (yet): the pod row still shows its state and restarts.
            }
        }

        return logs;
    }

    public Task<IReadOnlyList<string>> LogTailAsync(string ns, string pod, int tailLines, CancellationToken cancellationToken) =>
        inspector.LogTailAsync(ns, pod, tailLines, cancellationToken);

    public IAsyncEnumerable<string> FollowLogAsync(string ns, string pod, int tailLines, CancellationToken cancellationToken) =>
        inspector.FollowLogAsync(ns, pod, tailLines, cancellationToken);

    /// <summary>A sentence for a failed log read.</summary>
    public string Describe(Exception exception) => resilience.Describe(exception);
}
