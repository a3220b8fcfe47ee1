using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Portal.Application.Deployments;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// Retries a whole cluster step when one of its requests timed out, with exponential backoff,
/// reporting each retry to the caller (the operation log). Failed answers and broken connections
/// are retried per request by <see cref="TransientRetryHandler"/>; a request that ran out of time
/// never reaches that handler's retry, so it is retried here.
/// </summary>
public sealed class ClusterRetry(IOptions<JobOptions> options)
{
    public async Task ExecuteAsync(
        Func<CancellationToken, Task> action,
        Func<Exception, Task> onRetry,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e =>
                    e is TimeoutException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested)),
                MaxRetryAttempts = Math.Max(1, settings.RetryAttempts),
                Delay = settings.RetryBaseDelay,
                MaxDelay = settings.RetryMaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = async args => await onRetry(args.Outcome.Exception!),
            })
            .Build();
        await pipeline.ExecuteAsync(async token => await action(token), cancellationToken);
    }
}
