namespace Portal.Domain.Deployments;

/// <summary>
/// Field-level problems of a spec, keyed by the camelCase JSON path of the field as the REST
/// body spells it (<c>engine.tensorParallel</c>, <c>extraArgs[2]</c>, <c>env.MY-VAR</c>).
/// </summary>
public sealed record SpecValidationResult(IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Errors.Count == 0;

    public override string ToString() => IsValid
        ? "valid"
        : string.Join("; ", Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
}

/// <summary>Thrown where an invalid spec would otherwise reach the cluster.</summary>
public sealed class InvalidDeploymentSpecException(SpecValidationResult result)
    : Exception($"The deployment spec is invalid: {result}")
{
    public SpecValidationResult Result { get; } = result;
}
