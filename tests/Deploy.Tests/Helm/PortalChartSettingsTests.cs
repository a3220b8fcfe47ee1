using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Persistence;
using Portal.Jobs;
using Portal.Options;

namespace Portal.Deploy.Tests.Helm;

/// <summary>
/// The settings the chart renders are settings the portal reads: every ConfigMap key names an option the app binds,
/// binds to a valid value with the app's own options classes, and the scale-out values pass the app's start-up check.
/// </summary>
public sealed class PortalChartSettingsTests
{
    private const string Chart = "deploy/helm/inference-portal";

    /// <summary>Settings that are not options classes: the ASP.NET Core host's own (and Logging__*), and the connection string.</summary>
    private static readonly string[] HostSettings = ["ASPNETCORE_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS", "ConnectionStrings__Portal"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Every options class of the portal by its configuration section.</summary>
    private static readonly ILookup<string, Type> OptionsBySection = new[]
        {
            typeof(Program).Assembly, typeof(DatabaseOptions).Assembly, typeof(HangfireOptions).Assembly,
            typeof(Portal.Application.Reconcile.ReconcileOptions).Assembly, typeof(Portal.Infrastructure.Kubernetes.KubernetesOptions).Assembly,
            typeof(Portal.Infrastructure.Prometheus.PrometheusOptions).Assembly,
        }
        .SelectMany(a => a.GetTypes())
        .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
        .Where(x => x.Section is { IsLiteral: true } && x.Section.FieldType == typeof(string))
        .ToLookup(x => (string)x.Section!.GetRawConstantValue()!, x => x.Type, StringComparer.OrdinalIgnoreCase);

    public static TheoryData<string> ValuesFiles() =>
        new(new[] { "" }.Concat(Directory.GetFiles(Repo.PathOf(Chart, "ci"), "*.yaml").Select(f => "ci/" + Path.GetFileName(f)).Order()));

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task Every_rendered_setting_is_one_the_portal_reads_and_binds_to_a_valid_value(string valuesFile)
    {
        var settings = await RenderedSettingsAsync(valuesFile);

        foreach (var key in settings.Keys.Where(k => !HostSettings.Contains(k) && !k.StartsWith("Logging__", StringComparison.Ordinal)))
        {
            var parts = key.Split("__");
            var types = OptionsBySection[parts[0]].ToList();
            Assert.True(types.Count > 0, $"{key}: the portal has no options section '{parts[0]}'");
            Assert.True(parts.Length > 1 && types.Any(t => t.GetProperty(parts[1], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { CanWrite: true }),
                $"{key}: no option '{parts[1]}' in {string.Join(", ", types.Select(t => t.Name))}");
        }

        var configuration = Configuration(settings);
        foreach (var group in OptionsBySection)
        {
            foreach (var type in group)
            {
                var bound = type == typeof(DatabaseOptions)
                    ? DatabaseOptions.From(configuration) // the one class that also reads ConnectionStrings:Portal
                    : configuration.GetSection(group.Key).Get(type) ?? Activator.CreateInstance(type)!;
                var errors = new List<ValidationResult>();
                Validator.TryValidateObject(bound, new ValidationContext(bound), errors, validateAllProperties: true);
                Assert.True(errors.Count == 0, $"{type.Name}: {string.Join("; ", errors.Select(e => e.ErrorMessage))}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task The_rendered_replicas_database_and_job_storage_pass_the_portals_start_up_check(string valuesFile)
    {
        var configuration = Configuration(await RenderedSettingsAsync(valuesFile));

        var database = DatabaseOptions.From(configuration);
        var hangfire = configuration.GetSection(HangfireOptions.Section).Get<HangfireOptions>() ?? new HangfireOptions();
        var storage = new JobStorageChoice(hangfire.StorageFor(database.Kind == DatabaseProvider.PostgreSql));
        var replicas = configuration.GetSection(ScaleOutOptions.Section).Get<ScaleOutOptions>() ?? new ScaleOutOptions();
        var result = new ScaleOutValidation(Microsoft.Extensions.Options.Options.Create(database), storage).Validate(null, replicas);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public async Task The_scale_out_values_tell_the_portal_it_runs_as_two_replicas_on_PostgreSQL()
    {
        var settings = await RenderedSettingsAsync("ci/postgresql-values.yaml");

        Assert.Equal("2", settings["Portal__ExpectReplicas"]);
        Assert.Equal("PostgreSql", settings["Database__Provider"]);
        Assert.Equal("PostgreSql", settings["Hangfire__Storage"]);
        Assert.Equal("1", (await RenderedSettingsAsync(""))["Portal__ExpectReplicas"]);
    }

    /// <summary>The ConfigMap's data, plus a connection string where the chart takes it from a Secret.</summary>
    private static async Task<Dictionary<string, string>> RenderedSettingsAsync(string valuesFile)
    {
        List<string> args = ["template", "portal", Chart, "--namespace", "portal-system"];
        if (valuesFile != "")
        {
            args.AddRange(["-f", $"{Chart}/{valuesFile}"]);
        }

        var result = await HelmTool.RunAsync(args, Cancel);
        Assert.True(result.ExitCode == 0, result.Output);
        var configMap = Yaml.ParseAll(result.StdOut).Cast<JsonObject>().Single(o => (string?)o["kind"] == "ConfigMap");
        var settings = configMap["data"]!.AsObject().ToDictionary(p => p.Key, p => (string?)p.Value ?? "");
        if (settings.GetValueOrDefault("Database__Provider") == "PostgreSql")
        {
            settings.TryAdd("ConnectionStrings__Portal", "Host=postgres.example;Database=portal;Username=portal;Password=from-the-secret");
        }

        return settings;
    }

    private static IConfiguration Configuration(Dictionary<string, string> settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(p => new KeyValuePair<string, string?>(p.Key.Replace("__", ":", StringComparison.Ordinal), p.Value)))
            .Build();
}
