using Hangfire;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Portal.Options;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Api;
using Portal.Auth;
using Portal.Components;
using Portal.Health;
using Portal.Infrastructure.Persistence;
using Portal.Jobs;
using Scalar.AspNetCore;

namespace Portal.Extensions;

public static class PortalApplicationExtensions
{
    /// <summary>Applies pending migrations, seeds roles and the bootstrap admin, declares recurring jobs.</summary>
    public static async Task InitializePortalAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        var dbFactory = app.Services.GetRequiredService<IDbContextFactory<PortalDb>>();
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (db.Database.IsSqlite())
            {
                EnsureSqliteDirectoryExists(db.Database.GetConnectionString());
            }

            await db.Database.MigrateAsync(cancellationToken);
            if (db.Database.IsSqlite())
            {
                // WAL lets pages read while a job writes.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IdentitySeeder>().SeedAsync(cancellationToken);
        }

        app.Services.GetRequiredService<IRecurringJobManager>().AddPortalRecurringJobs(app.Services);
    }

    public static WebApplication UsePortalPipeline(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.TrustForwardedProto)
        {
            // Only the scheme: the client address (X-Forwarded-For) is not taken from headers, so the sign-in throttle cannot be dodged.
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedProto };
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            app.UseForwardedHeaders(forwarded);
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        // People get a page for a 404; programs (REST API, gateway) get the status code and their own body.
        app.UseWhen(
            context => !ProgramPaths.Contains(context.Request.Path),
            pages => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        app.UseMiddleware<SecurityHeaders>();
        app.UseMiddleware<SetupRedirectMiddleware>();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseMiddleware<CurrentUserMiddleware>();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapPortalEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("live"),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();

        // Endpoint authorization decides who sees the dashboard; Hangfire's own filters are not needed.
        app.MapHangfireDashboardWithAuthorizationPolicy(
            PortalPolicies.Admin,
            "/jobs",
            new DashboardOptions { Authorization = [], AppPath = "/", DashboardTitle = "Inference Portal · Jobs", DisplayStorageConnectionString = false });

        app.MapOpenApi();
        // No web fonts from Scalar's CDN: the page uses the system fonts, and the CSP allows fonts from this origin only.
        app.MapScalarApiReference("/api/reference", reference => reference.WithTitle("Inference Portal API").WithOpenApiRoutePattern("/openapi/{documentName}.json").DisableDefaultFonts());
        app.MapDeploymentApi();
        app.MapApiKeyApi();
        app.MapClusterApi();
        app.MapAccountEndpoints();
        app.MapOidcSignIn();
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    private static void EnsureSqliteDirectoryExists(string? connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(directory) && dataSource != ":memory:")
        {
            Directory.CreateDirectory(directory);
        }
    }
}
