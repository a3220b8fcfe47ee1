using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Deployments;
using Portal.Domain.Deployments;
using Portal.Infrastructure.Persistence;
using Portal.TestSupport;

namespace Portal.Tests.Functional;

public sealed class LiveUpdateTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_change_written_by_another_replica_reaches_this_replicas_pages_through_the_database_poll()
    {
        var database = PortalAppFactory.NewDatabasePath();
        await using var portal = new PortalAppFactory(database, settings: new Dictionary<string, string?>
        {
            ["Live:PollInterval"] = "00:00:00.250",
        }).Start();
        var changes = portal.Services.GetRequiredService<DeploymentChanges>();
        var seen = new TaskCompletionSource<DeploymentChanged>(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = Guid.NewGuid();
        changes.Changed += change =>
        {
            if (change.DeploymentId == id)
            {
                seen.TrySetResult(change);
            }
        };

        // "Another replica": a separate context on the same database, which notifies nobody in this process.
        var options = new DbContextOptionsBuilder<PortalDb>();
        options.UsePortalSqlite($"Data Source={database}");
        await using (var other = new PortalDb(options.Options))
        {
            var deployment = new Deployment { Id = id, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow, ObservedState = ObservedState.Ready };
            deployment.SetSpec(new DeploymentSpec { Name = "elsewhere", Framework = "vllm", Model = "Qwen/Qwen2.5-7B-Instruct" });
            other.Deployments.Add(deployment);
            await other.SaveChangesAsync(Ct);
        }

        var change = await seen.Task.WaitAsync(TimeSpan.FromSeconds(2), Ct);
        Assert.Equal("elsewhere", change.Name);
    }
}
