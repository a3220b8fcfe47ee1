using Portal.Application.Deployments;

namespace Portal.Services.Dashboard;

/// <summary>The deployments a dashboard's filter selects, and the names its queries filter on (null: every deployment).</summary>
public sealed record DashboardScope(IReadOnlyList<DeploymentSummary> InScope, IReadOnlyCollection<string>? Names)
{
    public static DashboardScope Resolve(DashboardFilter filter, IReadOnlyList<DeploymentSummary> all)
    {
        var inScope = all
            .Where(d => filter.Namespace is null || d.Namespace == filter.Namespace)
            .Where(d => filter.Framework is null || d.Framework == filter.Framework)
            .Where(d => filter.Deployment is null || d.Name == filter.Deployment)
            .ToList();
        if (!filter.FiltersDeployments)
        {
            return new(inScope, null);
        }

        // A named deployment keeps its history even after it was deleted.
        IReadOnlyCollection<string> names = filter.Deployment is { } one && inScope.Count == 0 && filter.Namespace is null && filter.Framework is null
            ? [one]
            : inScope.Select(d => d.Name).ToList();
        return new(inScope, names);
    }

    /// <summary>Whether the queries would ask for the same deployments as with <paramref name="other"/>.</summary>
    public bool SameNamesAs(IReadOnlyCollection<string>? other) =>
        Names is null ? other is null : other is not null && Names.ToHashSet(StringComparer.Ordinal).SetEquals(other);
}
