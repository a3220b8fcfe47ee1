namespace Portal.Domain.Deployments;

/// <summary>What every way in does to a spec before validating it, so the API and the wizard store the same thing.</summary>
public static class DeploymentSpecNormalizer
{
    /// <summary>Trims what people type, lower-cases the framework id, and reads JSON nulls of nested parts as their defaults.</summary>
    public static DeploymentSpec Normalize(DeploymentSpec spec) => spec with
    {
        Name = spec.Name?.Trim() ?? "",
        Namespace = string.IsNullOrWhiteSpace(spec.Namespace) ? "default" : spec.Namespace.Trim(),
        Framework = spec.Framework?.Trim().ToLowerInvariant() ?? "",
        Model = spec.Model?.Trim() ?? "",
        ExtraArgs = spec.ExtraArgs ?? [],
        Env = spec.Env ?? new Dictionary<string, string>(),
        Engine = spec.Engine ?? new EngineOptions(),
        Persistence = spec.Persistence ?? new PersistenceSpec(),
        Autoscaling = spec.Autoscaling ?? new AutoscalingSpec(),
    };
}
