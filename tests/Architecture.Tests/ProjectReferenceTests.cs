using System.Xml.Linq;

namespace Portal.Architecture.Tests;

/// <summary>
/// The dependency rules of docs/ARCHITECTURE.md, read from the project files: each layer references only what
/// is beneath it, and the domain and application use no web, database, job or HTTP framework.
/// </summary>
public sealed class ProjectReferenceTests
{
    private static readonly Dictionary<string, Project> Projects = Project.LoadAll();

    public static TheoryData<string> ProductProjects => [.. Projects.Keys.Where(p => p != "Portal.Simulator").Order()];

    [Fact]
    public void Every_product_project_has_a_rule()
    {
        Assert.All(Projects.Keys, name => Assert.True(Rules.ContainsKey(name), $"{name} has no layering rule in this test; add one."));
    }

    [Theory]
    [MemberData(nameof(ProductProjects))]
    public void A_project_references_only_the_layers_beneath_it(string name)
    {
        var rule = Rules[name];
        var project = Projects[name];
        var forbidden = project.ProjectReferences.Except(rule.Projects).ToList();
        Assert.True(forbidden.Count == 0, $"{name} may reference {Describe(rule.Projects)} but references {string.Join(", ", forbidden)}.");
    }

    [Theory]
    [MemberData(nameof(ProductProjects))]
    public void A_project_uses_only_the_frameworks_its_layer_allows(string name)
    {
        var rule = Rules[name];
        var project = Projects[name];
        var packages = project.Packages.Where(p => !rule.Packages(p)).ToList();
        Assert.True(packages.Count == 0, $"{name} must not use the packages {string.Join(", ", packages)}.");
        Assert.True(rule.Web || !project.UsesAspNetCore, $"{name} must not reference ASP.NET Core (a FrameworkReference or the Web SDK).");
    }

    [Fact]
    public void The_simulator_shares_no_code_with_the_product()
    {
        Assert.Empty(Projects["Portal.Simulator"].ProjectReferences);
    }

    private static string Describe(IReadOnlySet<string> projects) => projects.Count == 0 ? "nothing" : string.Join(", ", projects.Order());

    private static bool Abstractions(string package) =>
        package.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)
        && (package.EndsWith(".Abstractions", StringComparison.Ordinal) || package.StartsWith("Microsoft.Extensions.Options", StringComparison.Ordinal)
            || package == "Microsoft.Extensions.Caching.Memory");

    private sealed record Rule(IReadOnlySet<string> Projects, Func<string, bool> Packages, bool Web = false);

    private static readonly Dictionary<string, Rule> Rules = new()
    {
        ["Portal.Domain"] = new(new HashSet<string>(), p => p == "KubernetesClient"),
        ["Portal.Application"] = new(new HashSet<string> { "Portal.Domain" }, Abstractions),
        ["Portal.Infrastructure.Persistence"] = new(new HashSet<string> { "Portal.Application" },
            p => p.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) || p.StartsWith("Npgsql", StringComparison.Ordinal)
                 || p.StartsWith("Microsoft.AspNetCore.Identity.EntityFrameworkCore", StringComparison.Ordinal)
                 || p.StartsWith("Microsoft.AspNetCore.DataProtection.EntityFrameworkCore", StringComparison.Ordinal),
            Web: true /* Identity's stores */),
        ["Portal.Infrastructure.Kubernetes"] = new(new HashSet<string> { "Portal.Application" },
            p => p is "KubernetesClient" or "Polly.Core" or "Microsoft.Extensions.Http" || Abstractions(p)),
        ["Portal.Infrastructure.Prometheus"] = new(new HashSet<string> { "Portal.Application" }, p => p is "Microsoft.Extensions.Http.Resilience"),
        ["Portal.Jobs"] = new(new HashSet<string> { "Portal.Application" }, p => p.StartsWith("Hangfire", StringComparison.Ordinal) || p == "Npgsql"),
        ["Portal.Migrations.Sqlite"] = new(new HashSet<string> { "Portal.Infrastructure.Persistence" }, p => p.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)),
        ["Portal.Migrations.PostgreSql"] = new(new HashSet<string> { "Portal.Infrastructure.Persistence" },
            p => p.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) || p.StartsWith("Npgsql", StringComparison.Ordinal)),
        ["Portal"] = new(
            new HashSet<string> { "Portal.Application", "Portal.Infrastructure.Persistence", "Portal.Infrastructure.Kubernetes", "Portal.Infrastructure.Prometheus", "Portal.Jobs", "Portal.Migrations.Sqlite", "Portal.Migrations.PostgreSql" },
            _ => true, Web: true),
        ["Portal.Simulator"] = new(new HashSet<string>(), _ => true, Web: true),
    };

    private sealed record Project(string Name, IReadOnlySet<string> ProjectReferences, IReadOnlyList<string> Packages, bool UsesAspNetCore)
    {
        public static Dictionary<string, Project> LoadAll()
        {
            var root = Repository.Root;
            return new[] { "src", "migrations" }
                .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.csproj", SearchOption.AllDirectories))
                .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .Select(Load)
                .ToDictionary(p => p.Name, StringComparer.Ordinal);
        }

        private static Project Load(string path)
        {
            var xml = XDocument.Load(path);
            var references = xml.Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToHashSet(StringComparer.Ordinal);
            var packages = xml.Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value).ToList();
            var web = xml.Root!.Attribute("Sdk")?.Value == "Microsoft.NET.Sdk.Web"
                      || xml.Descendants("FrameworkReference").Any(f => f.Attribute("Include")?.Value == "Microsoft.AspNetCore.App");
            return new Project(Path.GetFileNameWithoutExtension(path), references, packages, web);
        }
    }
}

internal static class Repository
{
    /// <summary>The folder holding Portal.sln, found from the test's own folder upwards.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }
}
