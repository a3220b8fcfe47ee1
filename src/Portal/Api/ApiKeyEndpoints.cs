using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Application.Security;

namespace Portal.Api;

/// <summary>API keys over HTTP: everyone manages their own; Admins see and revoke all.</summary>
public static class ApiKeyEndpoints
{
    public static IEndpointRouteBuilder MapApiKeyApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/keys").WithTags("API keys");
        api.MapGet("", ListAsync).WithSummary("List API keys (prefix, owner, created, last used)");
        api.MapPost("", CreateAsync).WithSummary("Create an API key for yourself; the key is in this response only");
        api.MapDelete("{id:guid}", RevokeAsync).WithSummary("Revoke an API key");
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<ApiKeyRow>>> ListAsync(ApiKeyService keys, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        TypedResults.Ok(await keys.ListAsync(UserId(user), user.IsInRole(PortalRoles.Admin), cancellationToken));

    private static async Task<Created<CreatedApiKey>> CreateAsync(CreateApiKeyRequest? body, ApiKeyService keys, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var created = await keys.CreateAsync(UserId(user), body?.Name ?? "api key", cancellationToken);
        return TypedResults.Created($"/api/v1/keys/{created.Id}", created);
    }

    private static async Task<Results<NoContent, NotFound>> RevokeAsync(Guid id, ApiKeyService keys, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await keys.RevokeAsync(id, UserId(user), user.IsInRole(PortalRoles.Admin), cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static string UserId(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("signed-in user without an id");
}
