using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Application.Deployments;

namespace Portal.Infrastructure.Persistence;

/// <summary>Configuration section <c>Live</c>.</summary>
public sealed class LiveUpdateOptions
{
    public const string Section = "Live";

    /// <summary>
    /// How often to look in the database for deployments another portal replica changed (its reconcile
    /// and jobs notify only their own process). Zero turns polling off: right for a single replica.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.Zero;
}

/// <summary>
/// The fallback of live updates across replicas: raises <see cref="DeploymentChanges"/> for rows
/// whose <c>UpdatedAt</c> moved since the last look, so open pages refresh whichever replica made the change.
/// </summary>
public sealed partial class DeploymentChangePoller(
    IDbContextFactory<PortalDb> dbFactory,
    DeploymentChanges changes,
    IOptions<LiveUpdateOptions> options,
    TimeProvider time,
    ILogger<DeploymentChangePoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PollInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        var seen = await SnapshotAsync(stoppingToken);
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = await SnapshotAsync(stoppingToken);
                foreach (var (id, (name, updated)) in now)
                {
                    if (!seen.TryGetValue(id, out var before) || before.Updated != updated)
                    {
                        changes.Publish(id, name);
                    }
                }

                foreach (var (id, (name, _)) in seen.Where(s => !now.ContainsKey(s.Key)))
                {
                    changes.Publish(id, name); // deleted elsewhere
                }

                seen = now;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPollFailed(e.Message);
            }
        }
    }

    private async Task<Dictionary<Guid, (string Name, DateTimeOffset Updated)>> SnapshotAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Deployments.AsNoTracking()
            .Select(d => new { d.Id, d.Name, d.UpdatedAt, d.ObservedAt })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Id, r => (r.Name, r.UpdatedAt));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling the database for deployment changes failed: {Reason}")]
    private partial void LogPollFailed(string reason);
}
