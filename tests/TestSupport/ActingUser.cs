using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Portal.Auth;

namespace Portal.TestSupport;

/// <summary>
/// Makes a service scope act for a signed-in user, as the request middleware or a Blazor circuit would: services
/// that check the caller's role (deployment commands, user administration) then see that role.
/// </summary>
public static class ActingUser
{
    public static IServiceScope As(this IServiceScope scope, string role, string email = "test-admin@portal.test")
    {
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, email), new Claim(ClaimTypes.Name, email), new Claim(ClaimTypes.Role, role)], "test"));
        return scope;
    }

    public static IServiceScope AsAdmin(this IServiceScope scope) => scope.As(Portal.Application.Security.PortalRoles.Admin);
}
