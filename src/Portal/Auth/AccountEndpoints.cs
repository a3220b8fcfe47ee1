using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Portal.Infrastructure.Persistence;

namespace Portal.Auth;

public static class AccountEndpoints
{
    /// <summary>
    /// Sign-out is a POST with its antiforgery token, so a link, an image or another site's form cannot sign a user out.
    /// (A minimal API endpoint that binds no form gets no automatic antiforgery check: it validates the token itself.)
    /// </summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/account/logout", async (HttpContext context, IAntiforgery antiforgery, SignInManager<PortalUser> signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest("The sign-out form is missing its antiforgery token: sign out from the portal's own menu.");
            }

            await signIn.SignOutAsync();
            return Results.LocalRedirect("~/account/login");
        }).DisableAntiforgery();
        return endpoints;
    }
}
