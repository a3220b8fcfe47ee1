namespace Portal.Application.Security;

/// <summary>The three roles; Admin ⊃ Operator ⊃ Viewer in what they may do.</summary>
public static class PortalRoles
{
    public const string Admin = "Admin";
    public const string Operator = "Operator";
    public const string Viewer = "Viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Operator, Viewer];

    /// <summary>Roles allowed to change deployments (comma list for [Authorize(Roles=…)]).</summary>
    public const string CanOperate = Admin + "," + Operator;
}
