using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Reliability.Support;
using Portal.Services;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>
/// Single sign-on through the browser against a real OpenID provider (npm's oidc-provider): a user signs in, is
/// created at first sign-in with the role their <c>groups</c> claim maps to, and signs out; one whose groups map to
/// no role is refused with a reason; local accounts keep working beside it.
/// </summary>
public sealed class OidcTests(Chromium chromium) : IClassFixture<Chromium>
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task People_sign_in_with_the_identity_provider_get_their_role_from_its_groups_claim_and_sign_out()
    {
        await using var idp = OidcProvider.Prepare();
        await using var portal = new PortalAppFactory(PortalAppFactory.NewDatabasePath(), settings: new Dictionary<string, string?>
        {
            ["Auth:Oidc:Authority"] = idp.Issuer.ToString(),
            ["Auth:Oidc:ClientId"] = OidcProvider.ClientId,
            ["Auth:Oidc:ClientSecret"] = OidcProvider.ClientSecret,
            ["Auth:Oidc:DisplayName"] = "Test IdP",
            ["Auth:Oidc:RequireHttpsMetadata"] = "false",
            ["Auth:Oidc:Scopes:0"] = "groups",
            ["Auth:Oidc:Roles:portal-admins"] = "Admin",
            ["Auth:Oidc:Roles:portal-operators"] = "Operator",
        }).Start();
        await idp.StartAsync(new Uri(portal.BaseAddress, "/signin-oidc"),
            new Dictionary<string, string> { ["alice"] = "staff,portal-admins", ["bob"] = "portal-operators", ["dave"] = "staff" }, Ct);

        var alice = await SignInAsync(portal.BaseAddress, "alice");
        await Assertions.Expect(alice.Page.Locator("#user-menu")).ToContainTextAsync("alice@idp.test");
        var aliceRole = await RoleInUserMenuAsync(alice.Page);
        await alice.Page.WaitForFunctionAsync("() => getComputedStyle(document.querySelector('.mud-popover-open')).opacity === '1'"); // faded in, for the screenshot
        await Chromium.ScreenshotAsync(alice.Page, "oidc-signed-in-admin");
        await alice.Page.ClickAsync("#sign-out");
        await alice.Page.WaitForURLAsync("**/account/login");
        await alice.Page.GotoAsync("deployments");
        var afterSignOut = alice.Page.Url;

        var bob = await SignInAsync(portal.BaseAddress, "bob");
        var bobRole = await RoleInUserMenuAsync(bob.Page);

        var dave = await SignInAsync(portal.BaseAddress, "dave", expectSignedIn: false);
        var refusal = await dave.Page.Locator("#login-error").InnerTextAsync();
        await Chromium.ScreenshotAsync(dave.Page, "oidc-refused-no-role");

        // The local admin still signs in with a password beside single sign-on.
        var local = await chromium.NewPageAsync(portal.BaseAddress);
        await local.SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        await Chromium.ScreenshotAsync(local.Page, "oidc-local-admin");
        await local.Page.GotoAsync("account/login");
        await Chromium.ScreenshotAsync(local.Page, "oidc-login-page");

        IReadOnlyList<UserRow> users;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            users = await scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>().ListAsync(Ct);
        }

        Figures.Print("single sign-on", $"oidc-provider on loopback, through Chromium: alice (groups staff, portal-admins) → {aliceRole.Trim()}, bob (portal-operators) → {bobRole.Trim()}, " +
            $"dave (staff) refused: \"{refusal.Trim()}\"; users created at first sign-in: {string.Join(", ", users.Where(u => u.Email.EndsWith("@idp.test", StringComparison.Ordinal)).Select(u => $"{u.Email} ({u.Role})"))}; " +
            $"after sign-out /deployments → {new Uri(afterSignOut).AbsolutePath}; local admin signs in beside it");

        Assert.Equal("Role: Admin", aliceRole.Trim());
        Assert.Equal("Role: Operator", bobRole.Trim());
        Assert.Contains("no portal role", refusal, StringComparison.Ordinal);
        Assert.Equal("/account/login", new Uri(afterSignOut).AbsolutePath);
        Assert.Contains(users, u => u.Email == "alice@idp.test" && u.Role == "Admin");
        Assert.Contains(users, u => u.Email == "bob@idp.test" && u.Role == "Operator");
        Assert.DoesNotContain(users, u => u.Email == "dave@idp.test");
    }

    /// <summary>The "Role: …" line of the user menu, opened as a user does.</summary>
    private static async Task<string> RoleInUserMenuAsync(IPage page)
    {
        await page.ClickAsync("#user-menu");
        return await page.Locator(".mud-popover-open").GetByText("Role:").InnerTextAsync();
    }

    /// <summary>A fresh browser: the portal's sign-in page, its single sign-on button, the provider's login and consent pages.</summary>
    private async Task<WatchedPage> SignInAsync(Uri portal, string login, bool expectSignedIn = true)
    {
        var watched = await chromium.NewPageAsync(portal);
        var page = watched.Page;
        await page.GotoAsync("account/login");
        await page.ClickAsync("#sign-in-oidc");
        await page.FillAsync("input[name=login]", login);
        await page.FillAsync("input[name=password]", "any password");
        await page.ClickAsync("button[type=submit]");
        await page.ClickAsync("button[type=submit]"); // consent: Continue
        if (expectSignedIn)
        {
            await page.WaitForURLAsync("**/deployments");
            await watched.WaitForInteractiveAsync();
        }
        else
        {
            await page.WaitForURLAsync("**/account/login?error=*");
        }

        return watched;
    }
}
