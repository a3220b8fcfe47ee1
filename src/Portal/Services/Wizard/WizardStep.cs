namespace Portal.Services.Wizard;

/// <summary>The deploy wizard's steps, in order.</summary>
public enum WizardStep
{
    Framework,
    Model,
    Resources,
    Scaling,
    Advanced,
    Review,
}

/// <summary>Titles of the steps, and which step owns a field (by the spec's camelCase JSON path).</summary>
public static class WizardSteps
{
    public static IReadOnlyList<WizardStep> All { get; } = Enum.GetValues<WizardStep>();

    public static string Title(WizardStep step) => step switch
    {
        WizardStep.Framework => "Framework",
        WizardStep.Model => "Model",
        WizardStep.Resources => "Resources",
        WizardStep.Scaling => "Scaling & access",
        WizardStep.Advanced => "Advanced",
        WizardStep.Review => "Review",
        _ => step.ToString(),
    };

    public static string Subtitle(WizardStep step) => step switch
    {
        WizardStep.Framework => "The engine",
        WizardStep.Model => "Catalog or any id",
        WizardStep.Resources => "GPUs and memory",
        WizardStep.Scaling => "Replicas and cache",
        WizardStep.Advanced => "Engine options",
        WizardStep.Review => "Check and deploy",
        _ => "",
    };

    /// <summary>The step where the field of a validation message is edited.</summary>
    public static WizardStep StepOf(string field)
    {
        static bool Is(string field, string name) =>
            field == name || field.StartsWith(name + ".", StringComparison.Ordinal) || field.StartsWith(name + "[", StringComparison.Ordinal);

        return field switch
        {
            _ when Is(field, "framework") => WizardStep.Framework,
            _ when Is(field, "name") || Is(field, "namespace") || Is(field, "model") || Is(field, "servedModelName") => WizardStep.Model,
            _ when Is(field, "gpusPerReplica") || Is(field, "gpuType") || Is(field, "cpu") || Is(field, "memory")
                   || Is(field, "contextLength") || Is(field, "engine.gpuMemoryFraction") => WizardStep.Resources,
            _ when Is(field, "replicas") || Is(field, "autoscaling") || Is(field, "serviceType") || Is(field, "persistence")
                   || Is(field, "huggingFaceTokenSecret") || Is(field, "huggingFaceToken") => WizardStep.Scaling,
            _ when Is(field, "engine") || Is(field, "extraArgs") || Is(field, "env") || Is(field, "imageTag") => WizardStep.Advanced,
            _ => WizardStep.Review,
        };
    }
}
