using Portal.Application.Security;

namespace Portal.Auth;

/// <summary>Sends every page request to the setup page until the first admin exists.</summary>
public sealed class SetupRedirectMiddleware(RequestDelegate next)
{
    public const string SetupPath = "/account/setup";

    private static readonly string[] PassThroughPrefixes =
        [SetupPath, "/_framework", "/_content", "/_blazor", "/healthz", "/readyz", "/metrics", "/css", "/js", "/favicon"];

    public async Task InvokeAsync(HttpContext context, SetupState setup)
    {
        var path = context.Request.Path;
        var passThrough = PassThroughPrefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
            || Path.HasExtension(path.Value);
        if (!passThrough && await setup.IsSetupRequiredAsync(context.RequestAborted))
        {
            if (Api.ProgramPaths.Contains(path))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsJsonAsync(
                    new { title = "The portal is not set up yet: open it in a browser to create the first admin." },
                    context.RequestAborted);
                return;
            }

            context.Response.Redirect(SetupPath);
            return;
        }

        await next(context);
    }
}
