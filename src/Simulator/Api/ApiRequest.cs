using Microsoft.AspNetCore.Http;

namespace Portal.Simulator.Api;

/// <summary>A resource request, parsed from its path the way the API server's request-info resolver does.</summary>
internal sealed record ApiRequest(
    ResourceType Type,
    string? Namespace,
    string? Name,
    string? Subresource,
    string SubPath,
    string Verb)
{
    /// <summary>Parses <c>/api/v1/…</c> and <c>/apis/{group}/{version}/…</c> resource paths; null for anything else.</summary>
    public static ApiRequest? Parse(string method, string path, IQueryCollection query)
    {
        var segments = path.Trim('/').Split('/');
        string group, version;
        int rest;
        if (segments is ["api", var v, _, ..])
        {
            (group, version, rest) = ("", v, 2);
        }
        else if (segments is ["apis", var g, var v2, _, ..])
        {
            (group, version, rest) = (g, v2, 3);
        }
        else
        {
            return null;
        }

        var parts = segments[rest..];
        string? ns = null;
        if (parts is ["namespaces", var nsName, var plural, ..] && ResourceTypes.Find(group, version, plural) is { Namespaced: true })
        {
            ns = nsName;
            parts = parts[2..];
        }

        var type = ResourceTypes.Find(group, version, parts[0]);
        if (type is null)
        {
            return null;
        }

        var name = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
        var subresource = parts.Length > 2 ? parts[2] : null;
        var subPath = parts.Length > 3 ? "/" + string.Join('/', parts[3..]) : subresource == "proxy" && path.EndsWith('/') ? "/" : "";
        if (type.Namespaced && ns is null && name is not null)
        {
            return null;
        }

        var watch = query["watch"] is var w && (w == "true" || w == "1");
        var verb = method switch
        {
            _ when subresource == "proxy" => "proxy",
            "GET" when name is null => watch ? "watch" : "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when name is null => "deletecollection",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        };
        return new ApiRequest(type, ns, name, subresource, subPath, verb);
    }

    public string ResourceName => Subresource is null ? Type.Plural : $"{Type.Plural}/{Subresource}";
}
