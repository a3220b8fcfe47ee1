using System.Text.Json.Nodes;

namespace Portal.Simulator.Api;

/// <summary>
/// The documents clients read before they talk to resources: <c>/version</c>, the API group and resource
/// lists, and an OpenAPI v3 index whose per-group documents declare the <c>fieldValidation</c> parameter
/// (so kubectl leaves validation to the server) without schemas (so kubectl computes strategic merge
/// patches from its own built-in types).
/// </summary>
internal static class Discovery
{
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0-sim",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.4",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject Groups() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(ResourceTypes.GroupVersions.Select(gv => (JsonNode)Group(gv.Group)!).DistinctBy(g => (string?)g["name"]).ToArray()),
    };

    public static JsonObject? Group(string group)
    {
        var versions = ResourceTypes.GroupVersions.Where(gv => gv.Group == group).Select(gv => gv.Version).ToList();
        if (versions.Count == 0)
        {
            return null;
        }

        JsonObject Entry(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Entry(v)).ToArray()),
            ["preferredVersion"] = Entry(versions[0]),
        };
    }

    public static JsonObject? Resources(string group, string version)
    {
        var types = ResourceTypes.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in types)
        {
            var entry = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray(type.Verbs.Select(v => (JsonNode)v).ToArray()),
            };
            if (type.ShortNames.Length > 0)
            {
                entry["shortNames"] = new JsonArray(type.ShortNames.Select(s => (JsonNode)s).ToArray());
            }

            if (type.Plural is "pods" or "services" or "statefulsets" or "deployments" or "horizontalpodautoscalers")
            {
                entry["categories"] = new JsonArray("all");
            }

            resources.Add(entry);
            foreach (var sub in type.Subresources)
            {
                var subEntry = new JsonObject
                {
                    ["name"] = $"{type.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = sub switch
                    {
                        "log" => new JsonArray("get"),
                        "proxy" => new JsonArray("create", "delete", "get", "patch", "update"),
                        "finalize" => new JsonArray("update"),
                        _ => new JsonArray("get", "patch", "update"),
                    },
                };
                if (sub == "scale")
                {
                    subEntry["group"] = "autoscaling";
                    subEntry["version"] = "v1";
                    subEntry["kind"] = "Scale";
                }
                else if (sub is "proxy" or "log")
                {
                    subEntry["kind"] = sub == "proxy" ? $"{type.Kind}ProxyOptions" : type.Kind;
                }

                resources.Add(subEntry);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    public static JsonObject OpenApiIndex()
    {
        var paths = new JsonObject();
        foreach (var (group, version) in ResourceTypes.All.Select(t => (t.Group, t.Version)).Distinct())
        {
            var key = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash=SIM{Math.Abs(key.GetHashCode()):X}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? OpenApiGroupVersion(string key)
    {
        var types = ResourceTypes.All.Where(t => (t.Group.Length == 0 ? $"api/{t.Version}" : $"apis/{t.Group}/{t.Version}") == key).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        foreach (var type in types)
        {
            var prefix = "/" + key + (type.Namespaced ? "/namespaces/{namespace}" : "");
            paths[$"{prefix}/{type.Plural}"] = new JsonObject
            {
                ["get"] = Operation(type, "list", false),
                ["post"] = Operation(type, "create", true),
            };
            paths[$"{prefix}/{type.Plural}/{{name}}"] = new JsonObject
            {
                ["get"] = Operation(type, "read", false),
                ["put"] = Operation(type, "replace", true),
                ["patch"] = Operation(type, "patch", true),
                ["delete"] = Operation(type, "delete", false),
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Operation(ResourceType type, string verb, bool writes)
    {
        var parameters = new JsonArray();
        if (writes)
        {
            foreach (var name in new[] { "dryRun", "fieldManager", "fieldValidation" })
            {
                parameters.Add(new JsonObject { ["name"] = name, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
            }
        }

        return new JsonObject
        {
            ["operationId"] = $"{verb}{type.Kind}",
            ["parameters"] = parameters,
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            ["x-kubernetes-action"] = verb == "read" ? "get" : verb == "replace" ? "put" : verb,
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind },
        };
    }
}
