using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Auth;
using Portal.Components;
using Portal.Health;
using Portal.Infrastructure.Persistence;
using Portal.Jobs;
using Portal.Options;
using Scalar.AspNetCore;

namespace Portal.Extensions;

public static partial class PortalApplicationExtensions
{
    /// <summary>
    /// Checks the configuration that must hold before anything is written (the database provider, replicas against
    /// storage), then, once across all replicas, applies pending migrations, installs the job tables, seeds roles and
    /// the bootstrap admin, and declares the recurring jobs.
    /// </summary>
    /// <exception cref="OptionsValidationException">the configuration is unsafe or invalid; the message says which key to fix.</exception>
    /// <exception cref="PortalDatabaseException">the database cannot be reached or migrated; the message names it and the key to fix.</exception>
    public static async Task InitializePortalAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        _ = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<HangfireOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<ScaleOutOptions>>().Value;

        var database = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        await app.Services.GetRequiredService<PortalDatabaseInitializer>().InitializeAsync(async ct =>
        {
            try
            {
                await app.Services.PrepareJobStorageAsync(ct);
                await using var scope = app.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<IdentitySeeder>().SeedAsync(ct);
                app.Services.GetRequiredService<IRecurringJobManager>().AddPortalRecurringJobs(app.Services);
            }
            catch (Exception e) when (PortalDatabaseException.IsDatabaseFailure(e))
            {
                throw PortalDatabaseException.From(database, e);
            }
        }, cancellationToken);
    }

    /// <summary>Starts the portal, or, when its configuration or database cannot work, says why on the log and the console and returns exit code 1.</summary>
    public static async Task<int> RunPortalAsync(this WebApplication app)
    {
        try
        {
            await app.InitializePortalAsync();
        }
        catch (Exception e) when (e is OptionsValidationException or PortalDatabaseException)
        {
            var message = e is OptionsValidationException invalid ? string.Join(Environment.NewLine, invalid.Failures) : e.Message;
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Portal.Startup").LogStartupRefused(message);
            await Console.Error.WriteLineAsync($"The portal did not start: {message}");
            await app.DisposeAsync();
            return 1;
        }

        app.UsePortalPipeline();
        app.MapPortalEndpoints();
        app.MapGateway();
        await app.RunAsync();
        return 0;
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
        app.MapBenchmarkApi();
        app.MapApiKeyApi();
        app.MapClusterApi();
        app.MapAccountEndpoints();
        app.MapOidcSignIn(app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Oidc);
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Critical, Message = "The portal did not start: {Reason}")]
    private static partial void LogStartupRefused(this ILogger logger, string reason);
}
