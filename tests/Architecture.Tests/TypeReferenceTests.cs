using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.AspNetCore.Components;

namespace Portal.Architecture.Tests;

/// <summary>
/// What the compiled layers really use, read from their metadata: the domain and application touch
/// KubernetesClient only for its typed models, never its client, HTTP, ASP.NET Core, EF Core or Hangfire;
/// Razor components reach the application, never the database or the cluster directly.
/// </summary>
public sealed class TypeReferenceTests
{
    private static readonly string[] FrameworksTheCoreNeverUses =
        ["System.Net.Http", "Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "Hangfire", "k8s.Autorest", "Yarp"];

    /// <summary>KubernetesClient's types the core may use: its object models and their YAML/JSON forms.</summary>
    private static bool AllowedKubernetesType(string ns, string name) =>
        ns == "k8s.Models" || (ns == "k8s" && name is "KubernetesYaml" or "KubernetesJson" or "IKubernetesObject" or "IKubernetesObject`1" or "IMetadata`1" or "ISpec`1" or "IStatus`1" or "IValidate" or "IItems`1");

    [Theory]
    [InlineData("Portal.Domain")]
    [InlineData("Portal.Application")]
    public void The_core_uses_no_framework_and_only_the_models_of_KubernetesClient(string assembly)
    {
        var offending = ReferencedTypes(assembly)
            .Where(t => FrameworksTheCoreNeverUses.Any(f => t.Namespace == f || t.Namespace.StartsWith(f + ".", StringComparison.Ordinal))
                        || (t.Namespace.StartsWith("k8s", StringComparison.Ordinal) && !AllowedKubernetesType(t.Namespace, t.Name)))
            .Select(t => $"{t.Namespace}.{t.Name}")
            .Distinct()
            .Order()
            .ToList();
        Assert.True(offending.Count == 0, $"{assembly} uses {string.Join(", ", offending)}.");
    }

    [Fact]
    public void Components_inject_application_services_never_the_database_or_the_cluster()
    {
        var components = typeof(Portal.Components.App).Assembly.GetTypes()
            .Where(t => typeof(ComponentBase).IsAssignableFrom(t) && t.Namespace?.StartsWith("Portal.Components", StringComparison.Ordinal) == true);
        var offending = (
            from component in components
            from property in component.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            where property.GetCustomAttribute<InjectAttribute>() is not null
            from type in TypesIn(property.PropertyType)
            where ForbiddenInComponents(type)
            select $"{component.Name}.{property.Name}: {property.PropertyType.Name}").ToList();
        Assert.True(offending.Count == 0, $"Components reach past the application layer: {string.Join("; ", offending)}.");
    }

    /// <summary>EF Core and the infrastructure projects; Identity's sign-in and user managers (the account pages) are the web's own.</summary>
    private static bool ForbiddenInComponents(Type type)
    {
        var assembly = type.Assembly.GetName().Name ?? "";
        return assembly.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
               || assembly is "KubernetesClient" or "Portal.Infrastructure.Kubernetes" or "Portal.Infrastructure.Prometheus"
               || (assembly == "Portal.Infrastructure.Persistence" && type.Name != "PortalUser");
    }

    private static IEnumerable<Type> TypesIn(Type type) =>
        type.IsGenericType ? [type, .. type.GetGenericArguments().SelectMany(TypesIn)] : [type];

    private static IEnumerable<(string Namespace, string Name)> ReferencedTypes(string assembly)
    {
        using var stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.TypeReferences)
        {
            var reference = metadata.GetTypeReference(handle);
            var ns = metadata.GetString(reference.Namespace);
            if (ns.Length == 0 && reference.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                ns = metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope).Namespace); // nested types
            }

            yield return (ns, metadata.GetString(reference.Name));
        }
    }
}
