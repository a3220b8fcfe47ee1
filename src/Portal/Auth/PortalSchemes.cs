namespace Portal.Auth;

public static class PortalSchemes
{
    /// <summary>The default scheme: an API key when the request carries a Bearer token, else the sign-in cookie.</summary>
    public const string CookieOrApiKey = "CookieOrApiKey";
}
