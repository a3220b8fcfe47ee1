namespace Portal.Services;

/// <summary>The light/dark choice lives in a cookie so the server renders the right theme on the first paint.</summary>
public static class ThemePreference
{
    public const string CookieName = "portal-theme";

    public static bool IsDark(HttpRequest request) => request.Cookies[CookieName] == "dark";
}
