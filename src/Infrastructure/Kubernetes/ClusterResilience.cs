using Portal.Application.Ports;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// The cluster's failure semantics for the application: each request inside a step is retried on its own
/// (<see cref="TransientRetryHandler"/>), the whole step again when a request timed out (<see cref="ClusterRetry"/>);
/// both report to the caller's callback.
/// </summary>
public sealed class ClusterResilience(ClusterRetry retry) : IClusterResilience
{
    public async Task RunAsync(Func<CancellationToken, Task> step, Func<string, Task> onRetry, CancellationToken cancellationToken)
    {
        using var observe = RetryObserver.Observe(onRetry);
        await retry.ExecuteAsync(step, error => onRetry(ClusterFailure.Describe(error)), cancellationToken);
    }

    public bool IsTransient(Exception exception) => ClusterFailure.IsTransient(exception);

    public string Describe(Exception exception) => ClusterFailure.Describe(exception);
}
