using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Application.Reconcile;

namespace Portal.Jobs;

/// <summary>
/// Runs a reconcile pass shortly after someone asks through <see cref="ReconcileSignal"/> (the cluster watch
/// saw a change, a job finished), in this process and without a queue round trip. A burst of requests costs
/// one pass (debounce).
/// </summary>
public sealed partial class ReconcileOnSignal(
    ReconcileSignal signal,
    IServiceScopeFactory scopes,
    IOptions<ReconcileOptions> options,
    TimeProvider time,
    ILogger<ReconcileOnSignal> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(stoppingToken);
                await Task.Delay(options.Value.WatchDebounce, time, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ReconcileRunner>().RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogPassFailed(e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile after a cluster change failed: {Reason}")]
    private partial void LogPassFailed(string reason);
}
