using Microsoft.Extensions.Options;
using Portal.Application.Deployments;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// Retries one Kubernetes API request when the answer is transient (5xx, 429, 409 from a stale
/// read or a conflicting writer) or the connection failed, with exponential backoff and jitter.
/// Per request, so a step of several calls does not start over because its third call failed.
/// Every retry is reported to <see cref="RetryObserver"/>, which jobs use to log it on their Operation.
/// </summary>
public sealed class TransientRetryHandler(IOptions<JobOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (!ClusterFailure.IsTransient(response.StatusCode) || attempt > settings.RetryAttempts)
                {
                    return response;
                }

                reason = $"{(int)response.StatusCode} {response.StatusCode} from {request.Method} {request.RequestUri?.AbsolutePath}";
                response.Dispose();
            }
            catch (HttpRequestException e) when (attempt <= settings.RetryAttempts && !cancellationToken.IsCancellationRequested)
            {
                reason = $"cannot reach the API server: {e.Message}";
            }

            await RetryObserver.NotifyAsync(reason);
            await Task.Delay(Backoff(attempt, settings), cancellationToken);
        }
    }

    private static TimeSpan Backoff(int attempt, JobOptions settings)
    {
        var exponential = settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var capped = Math.Min(exponential, settings.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}

/// <summary>
/// Who wants to hear about retries of the cluster calls made in the current async flow: a job sets
/// it around its work so every retry lands on its Operation.
/// </summary>
public static class RetryObserver
{
    private static readonly AsyncLocal<Func<string, Task>?> Current = new();

    public static IDisposable Observe(Func<string, Task> onRetry)
    {
        var previous = Current.Value;
        Current.Value = onRetry;
        return new Restore(previous);
    }

    internal static Task NotifyAsync(string reason) => Current.Value?.Invoke(reason) ?? Task.CompletedTask;

    private sealed class Restore(Func<string, Task>? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
