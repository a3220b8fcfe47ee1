using Portal.Application.Deployments;
using Portal.Domain.Deployments;

namespace Portal.Services.Deployments;

/// <summary>The deployments list's filters: framework, state and namespace (null = all) and free text.</summary>
public sealed record DeploymentListFilter(string? Framework = null, ObservedState? State = null, string? Namespace = null, string? Search = null)
{
    public bool IsEmpty => Framework is null && State is null && Namespace is null && string.IsNullOrWhiteSpace(Search);

    /// <summary>Rows matching every filter; the search matches every word in name, model, namespace or framework.</summary>
    public IReadOnlyList<DeploymentSummary> Apply(IEnumerable<DeploymentSummary> rows)
    {
        var words = (Search ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return rows
            .Where(r => Framework is null || r.Framework == Framework)
            .Where(r => State is null || r.State == State)
            .Where(r => Namespace is null || r.Namespace == Namespace)
            .Where(r => words.All(w =>
                r.Name.Contains(w, StringComparison.OrdinalIgnoreCase)
                || r.Model.Contains(w, StringComparison.OrdinalIgnoreCase)
                || r.Namespace.Contains(w, StringComparison.OrdinalIgnoreCase)
                || r.Framework.Contains(w, StringComparison.OrdinalIgnoreCase)))
            .ToList();
    }
}
