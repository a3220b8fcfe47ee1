using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Security;
using Portal.Reliability.Support;
using Portal.Services;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>Headers on every kind of answer, the cookies' flags, antiforgery on forms, lockout and the sign-in throttle, over HTTP as a browser sees them.</summary>
public sealed class SecurityTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_answer_carries_the_security_headers_and_cookies_are_httponly_samesite_and_secure_as_configured()
    {
        await using var portal = new PortalAppFactory(PortalAppFactory.NewDatabasePath(), settings: new Dictionary<string, string?> { ["Auth:BootstrapApiKey"] = PortalOnSimulator.AdminApiKey }).Start();
        using var client = PortalHttp.NewClient(portal.BaseAddress);
        var missing = new List<string>();
        var paths = new[] { "/account/login", "/deployments", "/api/v1/deployments", "/healthz", "/metrics", "/favicon.svg", "/v1/models", "/not-a-page" };
        foreach (var path in paths)
        {
            using var response = await client.GetAsync(path, Ct);
            var csp = response.Headers.TryGetValues("Content-Security-Policy", out var values) ? string.Join(",", values) : "";
            if (Header(response, "X-Content-Type-Options") != "nosniff" || Header(response, "X-Frame-Options") != "DENY" || !csp.Contains("frame-ancestors 'none'", StringComparison.Ordinal))
            {
                missing.Add($"{path} ({(int)response.StatusCode}): nosniff={Header(response, "X-Content-Type-Options")}, frame={Header(response, "X-Frame-Options")}, csp={csp}");
            }
        }

        using var signIn = await PortalHttp.SignInAsync(client, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword, Ct);
        var cookies = signIn.Headers.TryGetValues("Set-Cookie", out var set) ? set.ToList() : [];
        var auth = cookies.Single(c => c.StartsWith("portal.auth=", StringComparison.Ordinal)).ToLowerInvariant();
        using var form = await client.GetAsync("/account/login", Ct);
        var antiforgeryCookies = (await GetCookiesAsync(PortalHttp.NewClient(portal.BaseAddress), "/account/login")).Where(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)).ToList();
        var antiforgery = antiforgeryCookies.Single().ToLowerInvariant();

        // Behind a TLS-terminating proxy (Auth:TrustForwardedProto) a request that came in over HTTPS gets Secure cookies.
        await using var behindTls = new PortalAppFactory(PortalAppFactory.NewDatabasePath(), settings: new Dictionary<string, string?> { ["Auth:TrustForwardedProto"] = "true" }).Start();
        var (secureAntiforgery, secureAuth) = await SignInBehindTlsAsync(behindTls.BaseAddress);

        // Antiforgery: the sign-in and sign-out forms without their token are refused.
        using var anonymous = PortalHttp.NewClient(portal.BaseAddress);
        using var loginWithoutToken = await anonymous.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["Input.Email"] = PortalAppFactory.AdminEmail, ["Input.Password"] = PortalAppFactory.AdminPassword,
        }), Ct);
        using var logoutWithoutToken = await client.PostAsync("/account/logout", new FormUrlEncodedContent([]), Ct);
        using var stillSignedIn = await client.GetAsync("/api/v1/deployments", Ct);

        Figures.Print("headers and cookies", $"{paths.Length - missing.Count}/{paths.Length} kinds of answer (page, API, health, metrics, static file, gateway, 404) carry nosniff, X-Frame-Options and a CSP with frame-ancestors 'none'; " +
            $"sign-in cookie over HTTP: {Flags(auth)}, behind TLS (Auth:TrustForwardedProto, X-Forwarded-Proto: https): {Flags(secureAuth)}; antiforgery cookie: {Flags(antiforgery)} / {Flags(secureAntiforgery)}; " +
            $"form posts without their antiforgery token: sign-in {(int)loginWithoutToken.StatusCode}, sign-out {(int)logoutWithoutToken.StatusCode} (session kept: {stillSignedIn.StatusCode == HttpStatusCode.OK})");

        Assert.True(missing.Count == 0, string.Join("\n", missing));
        Assert.Contains("httponly", auth, StringComparison.Ordinal);
        Assert.Contains("samesite=lax", auth, StringComparison.Ordinal);
        Assert.DoesNotContain("secure", auth.Replace("samesite", "", StringComparison.Ordinal), StringComparison.Ordinal); // plain HTTP: a Secure cookie would never come back
        Assert.Contains("secure", secureAuth.Replace("samesite", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("httponly", antiforgery, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", antiforgery, StringComparison.Ordinal);
        Assert.Contains("secure", secureAntiforgery.Replace("samesite", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, loginWithoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, logoutWithoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillSignedIn.StatusCode);
    }

    [Fact]
    public async Task Repeated_failures_lock_the_account_and_one_address_is_throttled()
    {
        await using var portal = new PortalAppFactory(PortalAppFactory.NewDatabasePath(), settings: new Dictionary<string, string?> { ["Auth:SignInAttemptsPerMinute"] = "12" }).Start();
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            Assert.True((await scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>().CreateAsync("target@portal.test", "Target-pass-1", PortalRoles.Operator)).Succeeded);
        }

        using var attacker = PortalHttp.NewClient(portal.BaseAddress);
        var failures = 0;
        var lockedAfter = 0;
        for (var attempt = 1; attempt <= 10 && lockedAfter == 0; attempt++)
        {
            var page = await SignInPageAsync(attacker, "target@portal.test", $"wrong-{attempt}");
            failures++;
            if (page.Contains("locked", StringComparison.Ordinal))
            {
                lockedAfter = attempt;
            }
        }

        var withRightPassword = await SignInPageAsync(attacker, "target@portal.test", "Target-pass-1");
        var lockedOut = withRightPassword.Contains("locked", StringComparison.Ordinal);

        // The address has used 11 of its 12 attempts this minute; the 13th is refused before any password is checked.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await PortalHttp.SignInAsync(attacker, $"someone-{i}@portal.test", "guess-1", Ct);
            statuses.Add(response.StatusCode);
        }

        Figures.Print("lockout and throttle", $"account locked after {lockedAfter} failed sign-ins; the right password then refused: {lockedOut}; " +
            $"one address's attempts 12 and 13 of a minute: {string.Join(", ", statuses.Select(s => (int)s))}");

        Assert.Equal(10, lockedAfter);
        Assert.True(lockedOut, "the locked account signed in with its password");
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    /// <summary>
    /// Signs in as a browser behind a TLS-terminating proxy would: every request says X-Forwarded-Proto: https, and the
    /// cookies go back by hand (HttpClient's cookie store, seeing http, would keep the Secure ones to itself).
    /// </summary>
    private static async Task<(string Antiforgery, string Auth)> SignInBehindTlsAsync(Uri address)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = address };
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        using var form = await client.GetAsync("/account/login", Ct);
        var antiforgery = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        var token = System.Text.RegularExpressions.Regex.Match(await form.Content.ReadAsStringAsync(Ct), "name=\"__RequestVerificationToken\"[^>]*value=\"(?<t>[^\"]+)\"").Groups["t"].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token, ["_handler"] = "login",
                ["Input.Email"] = PortalAppFactory.AdminEmail, ["Input.Password"] = PortalAppFactory.AdminPassword,
            }),
        };
        post.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        using var signedIn = await client.SendAsync(post, Ct);
        var auth = (signedIn.Headers.TryGetValues("Set-Cookie", out var set) ? set : []).SingleOrDefault(c => c.StartsWith("portal.auth=", StringComparison.Ordinal)) ?? "";
        return (antiforgery.ToLowerInvariant(), auth.ToLowerInvariant());
    }

    private static async Task<string> SignInPageAsync(HttpClient client, string email, string password)
    {
        using var response = await PortalHttp.SignInAsync(client, email, password, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // a refused sign-in shows the form again
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private static async Task<List<string>> GetCookiesAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        return response.Headers.TryGetValues("Set-Cookie", out var set) ? set.ToList() : [];
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    private static string Flags(string cookie) =>
        string.Join("+", new[] { "httponly", "secure", "samesite=lax", "samesite=strict" }
            .Where(f => f == "secure" ? cookie.Replace("samesite", "", StringComparison.Ordinal).Contains("secure", StringComparison.Ordinal) : cookie.Contains(f, StringComparison.Ordinal)));
}
