using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Portal.Deploy.Tests.Helm;

/// <summary>
/// deploy/helm/inference-portal/values.schema.json against the chart's own values and
/// the example values under ci/, merged over the defaults as Helm merges them.
/// </summary>
public sealed class PortalChartSchemaTests
{
    private const string Chart = "deploy/helm/inference-portal";

    private static readonly JsonSchema Schema = JsonSchema.FromText(Repo.Read(Chart, "values.schema.json"));

    private static JsonObject Defaults() => (JsonObject)Yaml.ParseFile(Chart, "values.yaml")!;

    public static TheoryData<string> ExampleValuesFiles() =>
        new(Directory.GetFiles(Repo.PathOf(Chart, "ci"), "*.yaml").Select(Path.GetFileName).OfType<string>().Order());

    [Fact]
    public void The_default_values_satisfy_the_schema()
    {
        AssertValid(Defaults());
    }

    [Theory]
    [MemberData(nameof(ExampleValuesFiles))]
    public void Each_example_values_file_satisfies_the_schema(string file)
    {
        var example = (JsonObject)Yaml.ParseFile(Chart, "ci", file)!;
        AssertValid(Yaml.Merge(Defaults(), example));
    }

    [Fact]
    public void There_are_example_values_files_for_scale_out_ingress_and_a_remote_cluster()
    {
        Assert.Equal(
            ["ingress-values.yaml", "postgresql-values.yaml", "remote-cluster-values.yaml"],
            ExampleValuesFiles().Select(row => row.Data).ToArray());
    }

    [Fact]
    public void Two_replicas_on_PostgreSQL_for_the_database_and_Hangfire_are_allowed()
    {
        AssertValid(With("""
            replicaCount: 3
            portal:
              database: { provider: PostgreSql, postgresql: { existingSecret: pg } }
              hangfire: { storage: PostgreSql }
            """));
    }

    public static TheoryData<string, string, string> InvalidValues() => new()
    {
        { "two replicas on SQLite", "/replicaCount", "replicaCount: 2" },
        {
            "two replicas with in-memory Hangfire",
            "/replicaCount",
            "replicaCount: 2\nportal: { database: { provider: PostgreSql, postgresql: { existingSecret: pg } } }"
        },
        { "Hangfire on PostgreSQL while the database is SQLite", "/portal/database/provider", "portal: { hangfire: { storage: PostgreSql } }" },
        { "namespace creation with namespaced RBAC", "/rbac/scope", "portal: { kubernetes: { createNamespaces: true } }" },
        { "an unknown database provider", "/portal/database/provider", "portal: { database: { provider: MySql } }" },
        { "an unknown Hangfire storage", "/portal/hangfire/storage", "portal: { hangfire: { storage: Redis } }" },
        { "no managed namespace", "/portal/kubernetes/namespaces", "portal: { kubernetes: { namespaces: [] } }" },
        { "a namespace that is not a DNS label", "/portal/kubernetes/namespaces/0", "portal: { kubernetes: { namespaces: [Models_Prod] } }" },
        { "an unknown service access mode", "/portal/kubernetes/serviceAccess", "portal: { kubernetes: { serviceAccess: NodePort } }" },
        { "a Prometheus URL without scheme", "/portal/prometheus/url", "portal: { prometheus: { url: prometheus.monitoring:9090 } }" },
        { "a reconcile interval that is not a TimeSpan", "/portal/reconcile/interval", "portal: { reconcile: { interval: 15s } }" },
        { "a misspelt key", "/portal/databse", "portal: { databse: { provider: Sqlite } }" },
        { "a misspelt top-level key", "/replicas", "replicas: 2" },
        { "replicas as a string", "/replicaCount", "replicaCount: \"1\"" },
        { "a negative replica count", "/replicaCount", "replicaCount: -1" },
        { "an unknown service type", "/service/type", "service: { type: ExternalName }" },
        { "a service port out of range", "/service/port", "service: { port: 70000 }" },
        { "an unknown RBAC scope", "/rbac/scope", "rbac: { scope: Namespace }" },
        { "a volume size that is not a quantity", "/persistence/size", "persistence: { size: 1GB }" },
        { "an unknown access mode", "/persistence/accessModes/0", "persistence: { accessModes: [ReadWrite] }" },
        { "an ingress path without leading slash", "/ingress/hosts/0/paths/0/path", "ingress: { enabled: true, hosts: [ { host: a.example.com, paths: [ { path: api, pathType: Prefix } ] } ] }" },
        { "a bootstrap admin email without @", "/portal/auth/bootstrapAdmin/email", "portal: { auth: { bootstrapAdmin: { email: admin } } }" },
        { "an image digest that is not sha256", "/image/digest", "image: { digest: latest }" },
        { "a ServiceMonitor interval that is not a duration", "/metrics/serviceMonitor/interval", "metrics: { serviceMonitor: { interval: 30 } }" },
        { "a probe with an unknown field", "/readinessProbe/periodSecond", "readinessProbe: { httpGet: { path: /readyz, port: http }, periodSecond: 5 }" },
        { "an extra setting name with a space", "/portal/extraConfig/Bad Name", "portal: { extraConfig: { \"Bad Name\": x } }" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void The_schema_rejects(string what, string at, string overrides)
    {
        var results = Evaluate(With(overrides));

        Assert.False(results.IsValid, $"the schema accepted {what}");
        Assert.Equal([at], ErrorLocations(results));
    }

    private static JsonObject With(string overridesYaml) =>
        Yaml.Merge(Defaults(), (JsonObject)Yaml.Parse(overridesYaml)!);

    private static EvaluationResults Evaluate(JsonObject values)
    {
        using var document = JsonDocument.Parse(values.ToJsonString());
        return Schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    // Where the schema failed, leaving out the failures of "if" subschemas (they only
    // choose whether a "then" applies).
    private static IEnumerable<string> ErrorLocations(EvaluationResults results) =>
        (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 } && !d.EvaluationPath.ToString().Contains("/if", StringComparison.Ordinal))
            .Select(d => d.InstanceLocation.ToString())
            .Distinct();

    private static void AssertValid(JsonObject values)
    {
        var results = Evaluate(values);
        var errors = (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"));
        Assert.True(results.IsValid, "schema errors:\n" + string.Join('\n', errors));
    }
}
