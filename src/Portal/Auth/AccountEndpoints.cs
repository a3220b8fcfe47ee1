using Microsoft.AspNetCore.Identity;
using Portal.Infrastructure.Persistence;

namespace Portal.Auth;

public static class AccountEndpoints
{
    /// <summary>Sign-out is a POST (with antiforgery) so a link or image cannot sign a user out.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/account/logout", async (SignInManager<PortalUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/account/login");
        });
        return endpoints;
    }
}
