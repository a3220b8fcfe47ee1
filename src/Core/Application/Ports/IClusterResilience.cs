namespace Portal.Application.Ports;

/// <summary>How cluster calls fail and are retried, so the application can run a step and tell people what happened.</summary>
public interface IClusterResilience
{
    /// <summary>
    /// Runs a step of cluster calls: transient failures (5xx, 429, 409, broken connections, timeouts) are retried
    /// with backoff, and each retry is reported to <paramref name="onRetry"/> in words.
    /// </summary>
    Task RunAsync(Func<CancellationToken, Task> step, Func<string, Task> onRetry, CancellationToken cancellationToken);

    /// <summary>Whether retrying later can help.</summary>
    bool IsTransient(Exception exception);

    /// <summary>A one-line message with the API server's own reason when there is one.</summary>
    string Describe(Exception exception);
}
