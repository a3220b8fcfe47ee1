using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Portal.Options;

namespace Portal.Auth;

/// <summary>
/// The headers every answer carries: a Content-Security-Policy that allows what Blazor Server, MudBlazor and
/// Plotly need and nothing else, <c>X-Content-Type-Options: nosniff</c>, no framing (<c>frame-ancestors 'none'</c>
/// and <c>X-Frame-Options: DENY</c>) and a referrer policy. Scripts run only from the portal's own origin, plus the one
/// inline import map Blazor renders, which carries this request's nonce (<see cref="NonceOf"/>).
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next, IOptions<AuthOptions> options)
{
    private const string NonceKey = "portal.csp-nonce";

    // Pages: scripts from this origin (and the nonce'd import map); styles inline too, because MudBlazor's theme and
    // components and Plotly set styles at run time; images and fonts from here or data: URIs (icons); the Blazor
    // circuit's WebSocket to this origin; no plugins, no <base> elsewhere, forms only to here (and the identity provider).
    private readonly string _formAction = options.Value.Oidc.IsConfigured
        ? $"'self' {new Uri(options.Value.Oidc.Authority!).GetLeftPart(UriPartial.Authority)}"
        : "'self'";

    /// <summary>The nonce of this request's Content-Security-Policy, for the one inline script the page renders.</summary>
    public static string NonceOf(HttpContext context) =>
        context.Items.TryGetValue(NonceKey, out var nonce) && nonce is string value ? value : "";

    public Task InvokeAsync(HttpContext context)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers.ContentSecurityPolicy = PolicyFor(context.Request.Path, nonce);
            return Task.CompletedTask;
        });
        return next(context);
    }

    private string PolicyFor(PathString path, string nonce)
    {
        // The job dashboard (Hangfire) and the API reference (Scalar) are third-party pages with inline scripts and styles.
        var scripts = path.StartsWithSegments("/jobs") || path.StartsWithSegments("/api/reference")
            ? "'self' 'unsafe-inline'"
            : $"'self' 'nonce-{nonce}'";
        return $"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
               $"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action {_formAction}; frame-ancestors 'none'";
    }
}
