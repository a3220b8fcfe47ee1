using System.Text;
using System.Text.Json.Nodes;

namespace Portal.Deploy.Tests.Helm;

/// <summary>
/// deploy/helm/inference-portal rendered by a real Helm (helm lint, helm template): the
/// objects it installs, the exact rights it grants, and the combinations it refuses.
/// </summary>
public sealed class PortalChartTemplateTests
{
    private const string Chart = "deploy/helm/inference-portal";
    private const string Release = "portal";
    private const string Namespace = "portal-system";
    private const string FullName = "portal-inference-portal";
    private const string ClusterName = "portal-inference-portal-portal-system";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> ValuesFiles() =>
        new(new[] { "" }.Concat(Directory.GetFiles(Repo.PathOf(Chart, "ci"), "*.yaml").Select(f => "ci/" + Path.GetFileName(f)).Order()));

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task Helm_lint_passes_strictly(string valuesFile)
    {
        string[] args = valuesFile == "" ? ["lint", "--strict", Chart] : ["lint", "--strict", Chart, "-f", $"{Chart}/{valuesFile}"];

        var result = await HelmTool.RunAsync(args, Cancel);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_defaults_install_one_portal_on_SQLite_with_a_volume_and_namespaced_rights()
    {
        var objects = await RenderAsync();

        Assert.Equal(
            ["ClusterRole/" + ClusterName + "-cluster", "ClusterRole/" + ClusterName + "-workloads",
             "ClusterRoleBinding/" + ClusterName + "-cluster", "ConfigMap/" + FullName, "Deployment/" + FullName,
             "PersistentVolumeClaim/" + FullName + "-data", "RoleBinding/" + ClusterName + "-workloads",
             "Service/" + FullName, "ServiceAccount/" + FullName],
            objects.Select(o => $"{o["kind"]}/{o["metadata"]!["name"]}").Order());

        var deployment = One(objects, "Deployment");
        Assert.Equal(1, (int)deployment["spec"]!["replicas"]!);
        Assert.Equal("Recreate", (string?)deployment["spec"]!["strategy"]!["type"]);

        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.True((bool)pod["securityContext"]!["runAsNonRoot"]!);
        Assert.NotEqual(0, (int)pod["securityContext"]!["runAsUser"]!);
        Assert.Equal(FullName, (string?)pod["serviceAccountName"]);

        var container = Assert.Single(pod["containers"]!.AsArray())!;
        Assert.Equal("ghcr.io/inference-portal/inference-portal:0.1.0", (string?)container["image"]);
        Assert.True((bool)container["securityContext"]!["readOnlyRootFilesystem"]!);
        Assert.False((bool)container["securityContext"]!["allowPrivilegeEscalation"]!);
        var port = Assert.Single(container["ports"]!.AsArray())!;
        Assert.Equal(("http", 8080), ((string)port["name"]!, (int)port["containerPort"]!));
        Assert.Equal("/healthz", (string?)container["startupProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/healthz", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/readyz", (string?)container["readinessProbe"]!["httpGet"]!["path"]);

        // The SQLite file lives on the chart's claim, mounted at /data.
        var claim = One(objects, "PersistentVolumeClaim");
        Assert.Equal("ReadWriteOnce", (string?)claim["spec"]!["accessModes"]![0]);
        var dataVolume = pod["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "data")!;
        Assert.Equal((string?)claim["metadata"]!["name"], (string?)dataVolume["persistentVolumeClaim"]!["claimName"]);
        Assert.Contains(container["volumeMounts"]!.AsArray(), m => (string?)m!["name"] == "data" && (string?)m["mountPath"] == "/data");

        // Settings come from the ConfigMap, as ASP.NET Core environment variables.
        Assert.Equal(FullName, (string?)Assert.Single(container["envFrom"]!.AsArray())!["configMapRef"]!["name"]);
        var settings = One(objects, "ConfigMap")["data"]!.AsObject();
        Assert.Equal("Data Source=/data/portal.db", (string?)settings["ConnectionStrings__Portal"]);
        Assert.Equal("Sqlite", (string?)settings["Database__Provider"]);
        Assert.Equal("InMemory", (string?)settings["Hangfire__Storage"]);
        Assert.Equal("inference", (string?)settings["Kubernetes__Namespaces__0"]);
        Assert.Equal("false", (string?)settings["Kubernetes__CreateNamespaces"]);
        Assert.Equal("PodIp", (string?)settings["Kubernetes__ServiceAccess"]);
        Assert.Equal("", (string?)settings["Kubernetes__Kubeconfig"]);
        Assert.Equal("00:00:15", (string?)settings["Reconcile__Interval"]);
        Assert.Equal("http://prometheus-operated.monitoring.svc:9090", (string?)settings["Prometheus__Url"]);

        var service = One(objects, "Service");
        Assert.Equal("http", (string?)service["spec"]!["ports"]![0]!["targetPort"]);
        Assert.Equal(
            deployment["spec"]!["selector"]!["matchLabels"]!.ToJsonString(),
            service["spec"]!["selector"]!.ToJsonString());
    }

    [Fact]
    public async Task The_portal_may_do_exactly_what_it_needs_in_the_namespaces_it_manages()
    {
        var objects = await RenderAsync();

        AssertRights(
            [
                "apps/statefulsets: create delete get list patch update watch",
                "apps/statefulsets/scale: get patch update",
                "autoscaling/horizontalpodautoscalers: create delete get list patch update watch",
                "core/events: list watch",
                "core/persistentvolumeclaims: delete get list watch",
                "core/pods: get list watch",
                "core/pods/log: get",
                "core/secrets: create delete get patch update",
                "core/services: create delete get list patch update watch",
                "keda.sh/scaledobjects: create delete get list patch update watch",
            ],
            Named(objects, "ClusterRole", ClusterName + "-workloads"));
        AssertRights(["core/namespaces: get", "core/nodes: get list"], Named(objects, "ClusterRole", ClusterName + "-cluster"));

        // Workload rights are bound only in the managed namespace, to the portal's account.
        var binding = One(objects, "RoleBinding");
        Assert.Equal("inference", (string?)binding["metadata"]!["namespace"]);
        Assert.Equal(ClusterName + "-workloads", (string?)binding["roleRef"]!["name"]);
        var subject = Assert.Single(binding["subjects"]!.AsArray())!;
        Assert.Equal(("ServiceAccount", FullName, Namespace), ((string)subject["kind"]!, (string)subject["name"]!, (string)subject["namespace"]!));
        Assert.DoesNotContain(objects, o => (string?)o["kind"] == "ClusterRoleBinding" && ((string?)o["metadata"]!["name"])!.EndsWith("-workloads", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reaching_models_through_the_API_server_adds_the_proxy_rights()
    {
        var objects = await RenderAsync(set: ["portal.kubernetes.serviceAccess=ApiServerProxy"]);

        var rights = Rights(Named(objects, "ClusterRole", ClusterName + "-workloads"));
        Assert.Contains("core/pods/proxy: create get", rights);
        Assert.Contains("core/services/proxy: create get", rights);
        Assert.DoesNotContain(Rights(Named(await RenderAsync(), "ClusterRole", ClusterName + "-workloads")), r => r.Contains("/proxy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Creating_namespaces_grants_namespace_creation_and_binds_the_rights_cluster_wide()
    {
        var objects = await RenderAsync(set: ["portal.kubernetes.createNamespaces=true", "rbac.scope=Cluster"]);

        AssertRights(["core/namespaces: create get patch", "core/nodes: get list"], Named(objects, "ClusterRole", ClusterName + "-cluster"));
        Assert.Equal(ClusterName + "-workloads", (string?)Named(objects, "ClusterRoleBinding", ClusterName + "-workloads")["roleRef"]!["name"]);
        Assert.DoesNotContain(objects, o => (string?)o["kind"] == "RoleBinding");
        Assert.Equal("true", (string?)One(objects, "ConfigMap")["data"]!["Kubernetes__CreateNamespaces"]);
    }

    [Fact]
    public async Task Scale_out_runs_several_replicas_on_PostgreSQL_with_rolling_updates_and_no_volume()
    {
        var objects = await RenderAsync(valuesFile: "ci/postgresql-values.yaml");

        var deployment = One(objects, "Deployment");
        Assert.Equal(2, (int)deployment["spec"]!["replicas"]!);
        Assert.Equal("RollingUpdate", (string?)deployment["spec"]!["strategy"]!["type"]);
        Assert.DoesNotContain(objects, o => (string?)o["kind"] == "PersistentVolumeClaim");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.DoesNotContain(pod["volumes"]!.AsArray(), v => (string?)v!["name"] == "data");

        var container = pod["containers"]![0]!;
        var connection = container["env"]!.AsArray().Single(e => (string?)e!["name"] == "ConnectionStrings__Portal")!;
        Assert.Equal("portal-postgresql", (string?)connection["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.Equal("connection-string", (string?)connection["valueFrom"]!["secretKeyRef"]!["key"]);

        var settings = One(objects, "ConfigMap")["data"]!.AsObject();
        Assert.Equal("PostgreSql", (string?)settings["Database__Provider"]);
        Assert.Equal("PostgreSql", (string?)settings["Hangfire__Storage"]);
        Assert.False(settings.ContainsKey("ConnectionStrings__Portal"));
        Assert.Equal(("team-a-models", "team-b-models"), ((string)settings["Kubernetes__Namespaces__0"]!, (string)settings["Kubernetes__Namespaces__1"]!));

        // A browser tab's Blazor circuit lives in one pod.
        Assert.Equal("ClientIP", (string?)One(objects, "Service")["spec"]!["sessionAffinity"]);
    }

    [Fact]
    public async Task The_ingress_example_exposes_the_portal_with_TLS_and_a_ServiceMonitor_that_keeps_the_portal_labels()
    {
        var objects = await RenderAsync(valuesFile: "ci/ingress-values.yaml");

        var ingress = One(objects, "Ingress");
        Assert.Equal("nginx", (string?)ingress["spec"]!["ingressClassName"]);
        Assert.Equal("portal.gpu.example.com", (string?)ingress["spec"]!["rules"]![0]!["host"]);
        Assert.Equal(FullName, (string?)ingress["spec"]!["rules"]![0]!["http"]!["paths"]![0]!["backend"]!["service"]!["name"]);
        Assert.Equal("portal-tls", (string?)ingress["spec"]!["tls"]![0]!["secretName"]);

        var monitor = One(objects, "ServiceMonitor");
        Assert.Equal("kube-prometheus-stack", (string?)monitor["metadata"]!["labels"]!["release"]);
        var endpoint = Assert.Single(monitor["spec"]!["endpoints"]!.AsArray())!;
        Assert.Equal(("http", "/metrics"), ((string)endpoint["port"]!, (string)endpoint["path"]!));
        Assert.True((bool)endpoint["honorLabels"]!);
        Assert.Equal(
            One(objects, "Service")["metadata"]!["labels"]!["app.kubernetes.io/name"]!.ToJsonString(),
            monitor["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]!.ToJsonString());

        // Secret settings go to a Secret the pod reads its environment from.
        var secret = One(objects, "Secret");
        Assert.Equal("change-me-on-first-sign-in", Decode(secret, "Auth__BootstrapAdmin__Password"));
        Assert.Equal("ip_ci_bootstrap_key_0123456789abcdef", Decode(secret, "Auth__BootstrapApiKey"));
        var container = One(objects, "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Contains(container["envFrom"]!.AsArray(), e => (string?)e!["secretRef"]?["name"] == FullName);
        Assert.Equal("admin@example.com", (string?)One(objects, "ConfigMap")["data"]!["Auth__BootstrapAdmin__Email"]);
    }

    [Fact]
    public async Task A_bootstrap_admin_without_a_password_gets_a_generated_one()
    {
        var objects = await RenderAsync(set: ["portal.auth.bootstrapAdmin.email=ops@example.com"]);

        Assert.Matches("^[A-Za-z0-9]{24}$", Decode(One(objects, "Secret"), "Auth__BootstrapAdmin__Password"));
    }

    [Fact]
    public async Task A_portal_driving_another_cluster_reads_its_kubeconfig_from_a_secret_and_gets_no_rights_here()
    {
        var objects = await RenderAsync(valuesFile: "ci/remote-cluster-values.yaml");

        Assert.DoesNotContain(objects, o => ((string?)o["kind"])!.Contains("Role", StringComparison.Ordinal));
        Assert.DoesNotContain(objects, o => (string?)o["kind"] is "PersistentVolumeClaim" or "Secret");
        var pod = One(objects, "Deployment")["spec"]!["template"]!["spec"]!;
        var kubeconfig = pod["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "kubeconfig")!["secret"]!;
        Assert.Equal("gpu-cluster-kubeconfig", (string?)kubeconfig["secretName"]);
        Assert.Equal(("kubeconfig", "config"), ((string)kubeconfig["items"]![0]!["key"]!, (string)kubeconfig["items"]![0]!["path"]!));
        Assert.Equal("portal-data", (string?)pod["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "data")!["persistentVolumeClaim"]!["claimName"]);
        Assert.Contains(pod["containers"]![0]!["envFrom"]!.AsArray(), e => (string?)e!["secretRef"]?["name"] == "portal-settings");

        var settings = One(objects, "ConfigMap")["data"]!.AsObject();
        Assert.Equal("/etc/inference-portal/kubeconfig/config", (string?)settings["Kubernetes__Kubeconfig"]);
        Assert.Equal("gpu-prod", (string?)settings["Kubernetes__Context"]);
    }

    [Fact]
    public async Task Extra_settings_override_the_charts_own_without_duplicate_keys()
    {
        var objects = await RenderAsync(set: ["portal.extraConfig.Reconcile__Interval=00:01:00", "portal.extraConfig.Logging__LogLevel__Default=Debug"]);

        var settings = One(objects, "ConfigMap")["data"]!.AsObject();
        Assert.Equal("00:01:00", (string?)settings["Reconcile__Interval"]);
        Assert.Equal("Debug", (string?)settings["Logging__LogLevel__Default"]);
    }

    public static TheoryData<string[], string> RefusedByTheTemplates() => new()
    {
        { ["replicaCount=2"], "replicaCount > 1 needs portal.database.provider=PostgreSql" },
        { ["replicaCount=2", "portal.database.provider=PostgreSql", "portal.database.postgresql.existingSecret=pg"], "replicaCount > 1 needs portal.hangfire.storage=PostgreSql" },
        { ["portal.hangfire.storage=PostgreSql"], "portal.hangfire.storage=PostgreSql keeps jobs in the portal's PostgreSQL database" },
        { ["portal.database.provider=PostgreSql"], "portal.database.provider=PostgreSql needs portal.database.postgresql.connectionString" },
        { ["portal.kubernetes.createNamespaces=true"], "portal.kubernetes.createNamespaces=true needs rbac.scope=Cluster" },
    };

    [Theory]
    [MemberData(nameof(RefusedByTheTemplates))]
    public async Task The_templates_refuse_with_a_clear_message(string[] set, string message)
    {
        // --skip-schema-validation: the schema refuses these too (next test); this checks
        // the chart's own fail messages, which also hold when a tool skips the schema.
        var result = await HelmTool.RunAsync(TemplateArgs(set: set).Append("--skip-schema-validation"), Cancel);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Helm_refuses_two_replicas_on_SQLite_by_the_schema()
    {
        var result = await HelmTool.RunAsync(TemplateArgs(set: ["replicaCount=2"]), Cancel);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("values don't meet the specifications of the schema", result.Output, StringComparison.Ordinal);
    }

    private static IEnumerable<string> TemplateArgs(string? valuesFile = null, string[]? set = null)
    {
        List<string> args = ["template", Release, Chart, "--namespace", Namespace];
        if (valuesFile is not null)
        {
            args.AddRange(["-f", $"{Chart}/{valuesFile}"]);
        }

        foreach (var s in set ?? [])
        {
            args.AddRange(["--set", s]);
        }

        return args;
    }

    private static async Task<List<JsonObject>> RenderAsync(string? valuesFile = null, string[]? set = null)
    {
        var result = await HelmTool.RunAsync(TemplateArgs(valuesFile, set), Cancel);
        Assert.True(result.ExitCode == 0, result.Output);
        return Yaml.ParseAll(result.StdOut).Cast<JsonObject>().ToList();
    }

    private static JsonObject One(List<JsonObject> objects, string kind) =>
        Assert.Single(objects, o => (string?)o["kind"] == kind);

    private static JsonObject Named(List<JsonObject> objects, string kind, string name) =>
        Assert.Single(objects, o => (string?)o["kind"] == kind && (string?)o["metadata"]!["name"] == name);

    private static string[] Rights(JsonObject role) =>
        role["rules"]!.AsArray()
            .SelectMany(rule => rule!["apiGroups"]!.AsArray().SelectMany(g => rule["resources"]!.AsArray().Select(r =>
                $"{((string?)g is "" ? "core" : (string?)g)}/{(string?)r}: {string.Join(' ', rule["verbs"]!.AsArray().Select(v => (string?)v).Order())}")))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static void AssertRights(string[] expected, JsonObject role) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), Rights(role));

    private static string Decode(JsonObject secret, string key) =>
        Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]![key]!));
}
