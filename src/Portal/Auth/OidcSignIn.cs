using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Application.Security;
using Portal.Infrastructure.Persistence;
using Portal.Options;

namespace Portal.Auth;

/// <summary>
/// Single sign-on with an OpenID Connect provider beside local accounts: the authorization code flow with PKCE, the
/// answer back as a query (so it works over plain HTTP with SameSite=Lax cookies), a portal user created at the first
/// sign-in and given the role the provider's claim maps to at every sign-in.
/// </summary>
public static partial class OidcSignIn
{
    public const string Scheme = "oidc";
    public const string StartPath = "/account/login/oidc";
    public const string CallbackPath = "/account/login/oidc/callback";

    public static AuthenticationBuilder AddPortalOidc(this AuthenticationBuilder authentication, OidcOptions oidc)
    {
        if (!oidc.IsConfigured)
        {
            return authentication;
        }

        return authentication.AddOpenIdConnect(Scheme, oidc.DisplayName, options =>
        {
            options.Authority = oidc.Authority;
            options.ClientId = oidc.ClientId;
            options.ClientSecret = oidc.ClientSecret;
            options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
            options.ResponseType = "code";
            options.ResponseMode = "query";
            options.UsePkce = true;
            options.SignInScheme = IdentityConstants.ExternalScheme;
            options.CallbackPath = "/signin-oidc";
            options.GetClaimsFromUserInfoEndpoint = true;
            options.SaveTokens = false;
            options.Scope.Clear();
            foreach (var scope in new[] { "openid", "profile", "email" }.Concat(oidc.Scopes).Distinct(StringComparer.Ordinal))
            {
                options.Scope.Add(scope);
            }

            options.ClaimActions.MapJsonKey(oidc.RoleClaim, oidc.RoleClaim);
            foreach (var cookie in new[] { options.CorrelationCookie, options.NonceCookie })
            {
                cookie.SameSite = SameSiteMode.Lax;
                cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.HttpOnly = true;
            }
        });
    }

    /// <summary>The sign-in and callback routes, only when a provider is configured (else there is nothing to challenge).</summary>
    public static IEndpointRouteBuilder MapOidcSignIn(this IEndpointRouteBuilder endpoints, OidcOptions oidc)
    {
        if (!oidc.IsConfigured)
        {
            return endpoints;
        }

        endpoints.MapGet(StartPath, (string? returnUrl, SignInManager<PortalUser> signIn) =>
            {
                var properties = signIn.ConfigureExternalAuthenticationProperties(Scheme, $"{CallbackPath}?returnUrl={Uri.EscapeDataString(LocalOnly(returnUrl))}");
                return Results.Challenge(properties, [Scheme]);
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
        endpoints.MapGet(CallbackPath, CallbackAsync).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> CallbackAsync(
        string? returnUrl, HttpContext context, SignInManager<PortalUser> signIn, UserManager<PortalUser> users,
        ApiKeyService keys, IOptions<AuthOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(OidcSignIn));
        var info = await signIn.GetExternalLoginInfoAsync();
        if (info is null)
        {
            return Refuse("The identity provider's answer could not be read; sign in again.");
        }

        await context.SignOutAsync(IdentityConstants.ExternalScheme);
        var role = OidcRoleMapper.RoleOf(info.Principal, options.Value.Oidc);
        var email = info.Principal.FindFirstValue(ClaimTypes.Email) ?? info.Principal.FindFirstValue("email");
        if (role is null)
        {
            LogNoRole(logger, email ?? info.ProviderKey, options.Value.Oidc.RoleClaim);
            return Refuse($"Your account at {options.Value.Oidc.DisplayName} has no portal role: ask for a group that maps to Admin, Operator or Viewer.");
        }

        var user = await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey);
        if (user is null)
        {
            if (string.IsNullOrWhiteSpace(email))
            {
                return Refuse("The identity provider did not say your email address (scope email).");
            }

            if (await users.FindByEmailAsync(email) is not null)
            {
                // Never attach a provider login to an existing local account by email alone: that would let whoever
                // controls the email at the provider take the account over.
                return Refuse($"A local account with the email {email} exists already; sign in with its password, or ask an Admin to remove it.");
            }

            user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
            if (!(await users.CreateAsync(user)).Succeeded || !(await users.AddLoginAsync(user, info)).Succeeded)
            {
                return Refuse("Your portal account could not be created.");
            }

            LogCreated(logger, email, role);
        }

        var current = await users.GetRolesAsync(user);
        if (current.Count != 1 || current[0] != role)
        {
            await users.RemoveFromRolesAsync(user, current);
            await users.AddToRoleAsync(user, role);
            await users.UpdateSecurityStampAsync(user);
            keys.ForgetUser(user.Id);
        }

        await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: Scheme);
        return Results.LocalRedirect(LocalOnly(returnUrl));
    }

    private static IResult Refuse(string why) => Results.LocalRedirect($"~/account/login?error={Uri.EscapeDataString(why)}");

    /// <summary>A return address inside the portal, or the deployments page: never an open redirect.</summary>
    private static string LocalOnly(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/deployments";

    [LoggerMessage(Level = LogLevel.Information, Message = "Single sign-on created the portal user {Email} with role {Role}")]
    private static partial void LogCreated(ILogger logger, string email, string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Single sign-on refused {User}: no value of the claim {Claim} maps to a portal role")]
    private static partial void LogNoRole(ILogger logger, string user, string claim);
}
