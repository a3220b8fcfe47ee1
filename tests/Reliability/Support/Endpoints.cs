using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Portal.Reliability.Support;

/// <summary>One request to make for a mapped route: the method, a concrete path, and whether the route allows anonymous callers.</summary>
public sealed record EndpointProbe(string Method, string Pattern, string Path, bool Anonymous, bool StaticAsset)
{
    public bool Mutating => Method is "POST" or "PUT" or "PATCH" or "DELETE";

    public override string ToString() => $"{Method} {Pattern}";
}

/// <summary>
/// Every route the real host maps, read from its endpoint data sources (so a route added tomorrow is crawled
/// tomorrow), with route parameters filled in with real values.
/// </summary>
public static partial class Endpoints
{
    public static IReadOnlyList<EndpointProbe> Of(IServiceProvider services, IReadOnlyDictionary<string, string> values)
    {
        var source = (EndpointDataSource)services.GetService(typeof(EndpointDataSource))!;
        var probes = new List<EndpointProbe>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/');
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } listed ? listed : ["GET"];
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var staticAsset = endpoint.DisplayName?.StartsWith("Static Asset", StringComparison.OrdinalIgnoreCase) == true
                              || endpoint.Metadata.Any(m => m.GetType().Name.Contains("StaticAsset", StringComparison.Ordinal));
            var path = Parameter().Replace(pattern, m => values.TryGetValue(m.Groups["name"].Value, out var value) ? value : "probe");
            foreach (var method in methods.Where(m => m != "OPTIONS"))
            {
                probes.Add(new EndpointProbe(method, pattern, path, anonymous, staticAsset));
            }
        }

        return probes.DistinctBy(p => (p.Method, p.Path)).ToList();
    }

    [GeneratedRegex(@"\{\*{0,2}(?<name>[A-Za-z]+)(:[^}?=]*)?(=[^}]*)?\??\}")]
    private static partial Regex Parameter();
}
