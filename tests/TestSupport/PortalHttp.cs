using System.Net;
using System.Text.RegularExpressions;

namespace Portal.TestSupport;

/// <summary>An HTTP client that keeps cookies and signs in through the real sign-in form.</summary>
public static partial class PortalHttp
{
    public static HttpClient NewClient(Uri baseAddress) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = baseAddress,
        };

    /// <summary>Posts the statically rendered form at <paramref name="path"/> with its antiforgery token.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(
        HttpClient client, string path, string formName, IDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        var page = await client.GetStringAsync(path, cancellationToken);
        var match = AntiforgeryInput().Match(page);
        if (!match.Success)
        {
            throw new InvalidOperationException($"No antiforgery token in the form at {path}");
        }

        var token = match.Groups["token"].Value;
        var body = new Dictionary<string, string>(fields)
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = formName,
        };
        return await client.PostAsync(path, new FormUrlEncodedContent(body), cancellationToken);
    }

    public static async Task<HttpResponseMessage> SignInAsync(
        HttpClient client, string email, string password, CancellationToken cancellationToken)
    {
        var response = await PostFormAsync(client, "/account/login", "login",
            new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password }, cancellationToken);
        return response;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryInput();
}
