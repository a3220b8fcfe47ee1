using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Portal.Jobs.Cluster;

namespace Portal.Jobs.Deployments;

/// <summary>Retries transient cluster failures with exponential backoff, reporting each retry to the caller (the operation log).</summary>
public sealed class ClusterRetry(IOptions<JobOptions> options)
{
    public async Task ExecuteAsync(
        Func<CancellationToken, Task> action,
        Func<int, Exception, Task> onRetry,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not PermanentClusterException && ClusterFailure.IsTransient(e)),
                MaxRetryAttempts = Math.Max(1, settings.RetryAttempts),
                Delay = settings.RetryBaseDelay,
                MaxDelay = settings.RetryMaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = async args => await onRetry(args.AttemptNumber + 2, args.Outcome.Exception!),
            })
            .Build();
        await pipeline.ExecuteAsync(async token => await action(token), cancellationToken);
    }
}
