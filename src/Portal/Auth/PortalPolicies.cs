namespace Portal.Auth;

/// <summary>Authorization policy names; roles are in <see cref="Portal.Application.Security.PortalRoles"/>.</summary>
public static class PortalPolicies
{
    /// <summary>Manage users, keys, and see the job dashboard.</summary>
    public const string Admin = "admin";

    /// <summary>Deploy, scale, stop, start and delete.</summary>
    public const string Operate = "operate";
}
