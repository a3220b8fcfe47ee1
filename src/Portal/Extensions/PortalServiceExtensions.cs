using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Portal.Api;
using Portal.Application.Ports;
using Portal.Application.Security;
using Portal.Auth;
using Portal.Domain.Deployments;
using Portal.Health;
using Portal.Infrastructure.Persistence;
using Portal.Options;
using Portal.Services;

namespace Portal.Extensions;

/// <summary>The portal's service registrations, one method per concern, so Program.cs reads like a table of contents.</summary>
public static class PortalServiceExtensions
{
    public static IServiceCollection AddPortalIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.BootstrapAdmin.IsConfigured || (o.BootstrapAdmin.Email is null && o.BootstrapAdmin.Password is null),
                "Auth:BootstrapAdmin needs both Email and Password, or neither.")
            .Validate(o => string.IsNullOrWhiteSpace(o.Oidc.Authority) == string.IsNullOrWhiteSpace(o.Oidc.ClientId)
                           && (!o.Oidc.IsConfigured || Uri.TryCreate(o.Oidc.Authority, UriKind.Absolute, out _)),
                "Auth:Oidc needs an absolute Authority URL and a ClientId, or neither.")
            .Validate(o => o.Oidc.Roles.Values.All(PortalRoles.All.Contains) && (string.IsNullOrWhiteSpace(o.Oidc.DefaultRole) || PortalRoles.All.Contains(o.Oidc.DefaultRole)),
                "Auth:Oidc:Roles values and Auth:Oidc:DefaultRole must be Admin, Operator or Viewer.")
            .ValidateOnStart();
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingIdentityStateProvider>();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<IdentitySeeder>();
        services.AddScoped<CurrentUser>();
        services.AddScoped<ICurrentUser>(provider => provider.GetRequiredService<CurrentUser>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, CurrentUserCircuitHandler>());

        services.AddMemoryCache();
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = PortalSchemes.CookieOrApiKey;
                options.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            })
            .AddPolicyScheme(PortalSchemes.CookieOrApiKey, "Browser session or API key", policy =>
                policy.ForwardDefaultSelector = context => ApiKeyAuthenticationHandler.BearerToken(context.Request) is null
                    ? IdentityConstants.ApplicationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddPortalOidc(auth.Oidc)
            .AddIdentityCookies();
        services.ConfigureExternalCookie(cookie =>
        {
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        // Antiforgery on every form (UseAntiforgery); its cookie HttpOnly and SameSite=Strict (the defaults), Secure on HTTPS.
        services.AddAntiforgery(antiforgery => antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddSignInThrottle();
        services.ConfigureApplicationCookie(cookie =>
        {
            // HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site posts), Secure on HTTPS requests
            // (behind a TLS-terminating proxy: with Auth:TrustForwardedProto).
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.LoginPath = "/account/login";
            cookie.AccessDeniedPath = "/account/access-denied";
            cookie.Cookie.Name = "portal.auth";
            cookie.SlidingExpiration = true;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
            // Programs get status codes, people get the sign-in page.
            cookie.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
        });

        services.AddIdentityCore<PortalUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 8;
                options.Password.RequireNonAlphanumeric = false;
                options.Lockout.MaxFailedAccessAttempts = 10;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalDb>()
            .AddSignInManager();

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(PortalPolicies.Admin, policy => policy.RequireRole(PortalRoles.Admin))
            .AddPolicy(PortalPolicies.Operate, policy => policy.RequireRole(PortalRoles.Admin, PortalRoles.Operator));

        services.AddScoped<UserAdministration>();
        return services;
    }

    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        // Messages appear bottom-right, where they never cover a page's header actions.
        services.AddMudServices(mud => mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        return services;
    }

    public static IServiceCollection AddPortalApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(json => PortalJson.Configure(json.SerializerOptions));
        services.AddProblemDetails();
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Inference Portal API";
            document.Info.Description = "Deploy, scale, stop, start and delete models; authenticate with a browser session or `Authorization: Bearer <api key>`.";
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>How many replicas run (<c>Portal:ExpectReplicas</c>), checked against the database and job storage before anything starts.</summary>
    public static IServiceCollection AddPortalScaleOut(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ScaleOutOptions>().Bind(configuration.GetSection(ScaleOutOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScaleOutOptions>, ScaleOutValidation>();
        return services;
    }

    public static IServiceCollection AddPortalOperations(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck("self", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("process is alive"), tags: ["live"])
            .AddCheck<PortalDatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<HangfireServerHealthCheck>("hangfire", tags: ["ready"]);
        return services;
    }

    private static Task RedirectOrStatus(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (ProgramPaths.Contains(context.Request.Path))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
