using System.ComponentModel.DataAnnotations;

namespace Portal.Options;

/// <summary>Configuration section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The admin created at first start; without it the first visit offers the setup page.</summary>
    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();

    /// <summary>An Admin API key created at start-up, for automation and tests (at least 24 characters).</summary>
    [MinLength(24)]
    public string? BootstrapApiKey { get; set; }

    /// <summary>
    /// Behind a TLS-terminating proxy or ingress: take the scheme from its <c>X-Forwarded-Proto</c> header, so a request
    /// that reached the proxy over HTTPS counts as HTTPS here and the sign-in and antiforgery cookies are marked Secure.
    /// Cookies are Secure exactly on HTTPS requests; the plain-HTTP local demo keeps working with them unmarked.
    /// </summary>
    public bool TrustForwardedProto { get; set; }

    /// <summary>Sign-in form posts allowed per client address and minute (0: no limit); each account also locks after 10 failures.</summary>
    [Range(0, 10_000)]
    public int SignInAttemptsPerMinute { get; set; } = 30;

    /// <summary>Single sign-on with an OpenID Connect provider, beside local accounts.</summary>
    public OidcOptions Oidc { get; set; } = new();
}

/// <summary>Configuration section <c>Auth:Oidc</c>: an OpenID Connect provider people sign in with.</summary>
public sealed class OidcOptions
{
    /// <summary>The provider's issuer URL (its discovery document is at <c>/.well-known/openid-configuration</c>).</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>What the sign-in button says: "Sign in with {DisplayName}".</summary>
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>The claim whose values decide the portal role, for example <c>groups</c> or <c>roles</c>.</summary>
    public string RoleClaim { get; set; } = "groups";

    /// <summary>Claim value → portal role (Admin, Operator or Viewer); the highest matching role wins.</summary>
    public Dictionary<string, string> Roles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The role of someone none of whose claim values is mapped; empty refuses them.</summary>
    public string? DefaultRole { get; set; }

    /// <summary>Scopes asked for besides <c>openid profile email</c>, for example <c>groups</c>.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Require the discovery document over HTTPS; turn off only for a provider on loopback in tests.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(ClientId);
}

public sealed class BootstrapAdminOptions
{
    [EmailAddress]
    public string? Email { get; set; }

    public string? Password { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Email) && !string.IsNullOrWhiteSpace(Password);
}
