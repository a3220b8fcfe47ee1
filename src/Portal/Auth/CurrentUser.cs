using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Portal.Application.Ports;
using Portal.Application.Security;

namespace Portal.Auth;

/// <summary>
/// The application's <see cref="ICurrentUser"/> for one request or one Blazor circuit (a scoped service):
/// the request's principal is set by <see cref="CurrentUserMiddleware"/>, a circuit's by <see cref="CurrentUserCircuitHandler"/>.
/// </summary>
public sealed class CurrentUser : ICurrentUser
{
    public ClaimsPrincipal Principal { get; set; } = new();

    public bool IsAuthenticated => Principal.Identity?.IsAuthenticated == true;

    public bool CanOperate => IsAuthenticated && (Principal.IsInRole(PortalRoles.Admin) || Principal.IsInRole(PortalRoles.Operator));

    public bool IsAdmin => IsAuthenticated && Principal.IsInRole(PortalRoles.Admin);

    public string Requester => RequesterOf(Principal);

    /// <summary>Who asked, for the audit log: the user, and the key when it came through one.</summary>
    public static string RequesterOf(ClaimsPrincipal user)
    {
        var name = user.Identity?.Name ?? "unknown";
        return user.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim) is { } key ? $"{name} (api key {key[..8]})" : name;
    }
}

/// <summary>Sets the request's <see cref="CurrentUser"/> once authentication has run.</summary>
public sealed class CurrentUserMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context, CurrentUser user)
    {
        user.Principal = context.User;
        return next(context);
    }
}

/// <summary>
/// Keeps a circuit's <see cref="CurrentUser"/> in step with its authentication state (the documented way to reach
/// the user from services in Blazor Server); it runs before the circuit renders its components.
/// </summary>
public sealed class CurrentUserCircuitHandler(AuthenticationStateProvider authentication, CurrentUser user) : CircuitHandler, IDisposable
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        authentication.AuthenticationStateChanged += OnChanged;
        return Task.CompletedTask;
    }

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken) =>
        user.Principal = (await authentication.GetAuthenticationStateAsync()).User;

    private void OnChanged(Task<AuthenticationState> state) => _ = UpdateAsync(state);

    private async Task UpdateAsync(Task<AuthenticationState> state) => user.Principal = (await state).User;

    public void Dispose() => authentication.AuthenticationStateChanged -= OnChanged;
}
