using System.Net;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Deployments;
using Portal.Infrastructure.Persistence;
using Portal.Jobs;
using Portal.TestSupport;

namespace Portal.Tests.Functional;

public sealed class SetupAndDatabaseTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_a_bootstrap_admin_the_first_visit_offers_setup_once()
    {
        await using var app = new PortalAppFactory(PortalAppFactory.NewDatabasePath(), withBootstrapAdmin: false).Start();
        using var client = PortalHttp.NewClient(app.BaseAddress);

        var first = await client.GetAsync("/deployments", Ct);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/account/setup", first.Headers.Location!.OriginalString);

        var mismatch = await PortalHttp.PostFormAsync(client, "/account/setup", "setup", SetupFields("first@portal.test", "Setup-pass-1", "other"), Ct);
        Assert.Contains("The two passwords differ.", await mismatch.Content.ReadAsStringAsync(Ct));

        var created = await PortalHttp.PostFormAsync(client, "/account/setup", "setup", SetupFields("first@portal.test", "Setup-pass-1", "Setup-pass-1"), Ct);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Contains("No models deployed yet", await client.GetStringAsync("/deployments", Ct));

        using var stranger = PortalHttp.NewClient(app.BaseAddress);
        var again = await stranger.GetAsync("/deployments", Ct);
        Assert.StartsWith("/account/login", again.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        var closedSetup = await stranger.GetStringAsync("/account/setup", Ct);
        Assert.Contains("Setup is complete", closedSetup);
        Assert.DoesNotContain("create-admin", closedSetup);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDb>();
        Assert.Equal(1, await db.Users.CountAsync(Ct));
    }

    [Fact]
    public async Task Deleting_the_database_file_and_starting_again_gives_a_working_portal()
    {
        var path = PortalAppFactory.NewDatabasePath();
        await using (var first = new PortalAppFactory(path).Start())
        {
            Assert.Equal(HttpStatusCode.OK, (await PortalHttp.NewClient(first.BaseAddress).GetAsync("/readyz", Ct)).StatusCode);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!))
        {
            File.Delete(file);
        }

        await using var second = new PortalAppFactory(path).Start();
        using var client = PortalHttp.NewClient(second.BaseAddress);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", Ct)).StatusCode);
        Assert.True(File.Exists(path));
        var signIn = await PortalHttp.SignInAsync(client, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword, Ct);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
    }

    [Fact]
    public async Task The_recurring_prune_job_runs_on_hangfire_and_removes_only_old_finished_operations()
    {
        await using var app = new PortalAppFactory(PortalAppFactory.NewDatabasePath(),
            settings: new Dictionary<string, string?> { ["Retention:OperationDays"] = "30" }).Start();
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<PortalDb>>();
        var now = DateTimeOffset.UtcNow;
        await using (var db = await dbFactory.CreateDbContextAsync(Ct))
        {
            db.Operations.AddRange(
                NewOperation("old-done", now.AddDays(-45), OperationOutcome.Succeeded),
                NewOperation("old-running", now.AddDays(-45), OperationOutcome.Running),
                NewOperation("recent-done", now.AddDays(-2), OperationOutcome.Failed));
            await db.SaveChangesAsync(Ct);
        }

        app.Services.GetRequiredService<IRecurringJobManager>().Trigger(PruneOperationsJob.RecurringJobId);

        var remaining = await WaitForAsync(async () =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(Ct);
            var names = await db.Operations.Select(o => o.DeploymentName).OrderBy(n => n).ToListAsync(Ct);
            return names.Contains("old-done") ? null : names;
        });
        Assert.Equal(["old-running", "recent-done"], remaining);
    }

    private static Operation NewOperation(string name, DateTimeOffset at, OperationOutcome outcome) => new()
    {
        DeploymentId = Guid.NewGuid(),
        DeploymentName = name,
        Kind = OperationKind.Deploy,
        RequestedBy = "test",
        RequestedAt = at,
        Outcome = outcome,
    };

    private static Dictionary<string, string> SetupFields(string email, string password, string confirm) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = password,
        ["Input.ConfirmPassword"] = confirm,
    };

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met within 15 s");
            }

            await Task.Delay(100, Ct);
        }
    }
}
