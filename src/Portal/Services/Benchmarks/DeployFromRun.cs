using Portal.Domain.Deployments;
using Portal.Services.Wizard;

namespace Portal.Services.Benchmarks;

/// <summary>
/// "Deploy this": a wizard draft from a measured configuration (the spec the run recorded) with the replica count a
/// recommendation asked for, kept where the wizard restores its draft from, so the wizard opens prefilled at its review.
/// </summary>
public sealed class DeployFromRun(WizardDraftStore drafts)
{
    public const string WizardPath = "deployments/new";

    public static WizardDraft Draft(DeploymentSpec spec, int replicas)
    {
        var draft = new WizardDraft
        {
            Framework = spec.Framework,
            Model = spec.Model,
            Namespace = spec.Namespace,
            ServedModelName = spec.ServedModelName,
            GpusPerReplica = spec.GpusPerReplica,
            GpuType = spec.GpuType,
            Cpu = spec.Cpu,
            Memory = spec.Memory,
            ContextLength = spec.ContextLength,
            GpuMemoryFraction = spec.Engine.GpuMemoryFraction,
            Replicas = Math.Max(1, replicas),
            ServiceType = spec.ServiceType,
            CacheEnabled = spec.Persistence.Enabled,
            CacheSize = spec.Persistence.Size,
            StorageClass = spec.Persistence.StorageClass,
            TokenSource = spec.HuggingFaceTokenSecret is null ? TokenSource.None : TokenSource.Existing,
            ExistingTokenSecret = spec.HuggingFaceTokenSecret,
            TensorParallel = spec.Engine.TensorParallel,
            Dtype = spec.Engine.Dtype,
            Quantization = spec.Engine.Quantization,
            MaxConcurrentSequences = spec.Engine.MaxConcurrentSequences,
            TrustRemoteCode = spec.Engine.TrustRemoteCode,
            ExtraArgs = [.. spec.ExtraArgs],
            Env = spec.Env.Select(e => new EnvEntry { Name = e.Key, Value = e.Value }).ToList(),
            ImageTag = spec.ImageTag,
            // A new name (the measured deployment may still exist): the model's, suffixed with the replica count.
            Name = Suggest(spec.Name, replicas),
            NameEdited = true,
        };
        draft.StepIndex = draft.FurthestStep = (int)WizardStep.Review;
        return draft;
    }

    public async Task<string> PrepareAsync(DeploymentSpec spec, int replicas, CancellationToken cancellationToken)
    {
        await drafts.SaveAsync(Draft(spec, replicas), cancellationToken);
        return WizardPath;
    }

    private static string Suggest(string name, int replicas)
    {
        var suffix = $"-x{Math.Max(1, replicas)}";
        var stem = name.Length + suffix.Length > DeploymentSpecValidator.MaxNameLength ? name[..(DeploymentSpecValidator.MaxNameLength - suffix.Length)].TrimEnd('-') : name;
        return stem + suffix;
    }
}
