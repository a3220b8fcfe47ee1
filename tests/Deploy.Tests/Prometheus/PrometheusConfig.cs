using System.Text.Json.Nodes;

namespace Portal.Deploy.Tests.Prometheus;

/// <summary>
/// deploy/prometheus/prometheus.yml, and the same configuration made runnable on this
/// machine: Debian's Prometheus is built without Kubernetes service discovery, so each
/// job's kubernetes_sd_configs is swapped for a file_sd_configs whose targets carry the
/// same __meta_kubernetes_* labels Kubernetes discovery would give them. Every
/// relabelling rule stays as written.
/// </summary>
internal static class PrometheusConfig
{
    public const string Folder = "deploy/prometheus";

    public static JsonObject Load() => (JsonObject)Yaml.ParseFile(Folder, "prometheus.yml")!;

    public static string Promtool => File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool" : "promtool";

    public static string PrometheusBinary => File.Exists("/usr/bin/prometheus") ? "/usr/bin/prometheus" : "prometheus";

    /// <summary>The configuration with file discovery from <paramref name="targetsFile"/> and absolute rule paths.</summary>
    public static JsonObject WithFileDiscovery(string targetsFile, TimeSpan? interval = null)
    {
        var config = Load();
        if (interval is { } every)
        {
            var global = (JsonObject)config["global"]!;
            global["scrape_interval"] = $"{(int)every.TotalMilliseconds}ms";
            global["evaluation_interval"] = $"{(int)every.TotalMilliseconds}ms";
            global["scrape_timeout"] = $"{(int)every.TotalMilliseconds}ms";
        }

        config["rule_files"] = new JsonArray(((JsonArray)config["rule_files"]!)
            .Select(f => (JsonNode)JsonValue.Create(Path.Combine(Repo.PathOf(Folder), f!.GetValue<string>()))!)
            .ToArray());
        foreach (var job in ((JsonArray)config["scrape_configs"]!).Cast<JsonObject>())
        {
            job.Remove("kubernetes_sd_configs");
            job["file_sd_configs"] = new JsonArray(new JsonObject
            {
                ["files"] = new JsonArray(targetsFile),
                ["refresh_interval"] = "1s",
            });
        }

        return config;
    }
}
