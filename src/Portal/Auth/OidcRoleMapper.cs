using System.Security.Claims;
using Portal.Application.Security;
using Portal.Options;

namespace Portal.Auth;

/// <summary>The portal role of someone signing in through the identity provider: from their role claim's values, the highest mapped role.</summary>
public static class OidcRoleMapper
{
    public static string? RoleOf(ClaimsPrincipal principal, OidcOptions options)
    {
        var values = principal.FindAll(options.RoleClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var mapped = options.Roles.Where(r => values.Contains(r.Key)).Select(r => r.Value).ToHashSet(StringComparer.Ordinal);
        return PortalRoles.All.FirstOrDefault(mapped.Contains) // All is ordered Admin, Operator, Viewer
               ?? (string.IsNullOrWhiteSpace(options.DefaultRole) ? null : options.DefaultRole);
    }
}
