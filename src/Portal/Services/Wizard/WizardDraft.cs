using System.Text.Json.Serialization;
using Portal.Domain.Catalog;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Services.Wizard;

/// <summary>Where the Hugging Face token comes from.</summary>
public enum TokenSource
{
    None,

    /// <summary>Pasted in the wizard; stored as the Secret <c>&lt;name&gt;-hf-token</c>.</summary>
    New,

    /// <summary>A Secret that already exists in the namespace (key <c>token</c>).</summary>
    Existing,
}

/// <summary>One environment variable row of the wizard.</summary>
public sealed class EnvEntry
{
    public string Name { get; set; } = "";

    public string Value { get; set; } = "";
}

/// <summary>
/// What an operator has typed into the deploy wizard so far, in form-friendly shapes. It is kept in
/// the browser's local storage (all but the token) so a reload loses nothing, and becomes a
/// <see cref="DeploymentSpec"/> through <see cref="DeployWizard.ToSpec"/>.
/// </summary>
public sealed class WizardDraft
{
    public int StepIndex { get; set; }

    /// <summary>The furthest step reached: the step header lets the operator jump back and forth up to it.</summary>
    public int FurthestStep { get; set; }

    public string? Framework { get; set; }

    public string Name { get; set; } = "";

    /// <summary>True once the operator typed a name: from then on the model no longer suggests one.</summary>
    public bool NameEdited { get; set; }

    public string Namespace { get; set; } = "default";

    public string Model { get; set; } = "";

    public string? ServedModelName { get; set; }

    public int GpusPerReplica { get; set; } = 1;

    public string? GpuType { get; set; }

    public string? Cpu { get; set; }

    public string? Memory { get; set; }

    public int? ContextLength { get; set; }

    public double? GpuMemoryFraction { get; set; }

    public int Replicas { get; set; } = 1;

    public AutoscalingMode AutoscalingMode { get; set; } = AutoscalingMode.Off;

    public string AutoscalingMetric { get; set; } = AutoscalingMetrics.RequestsWaiting;

    public double AutoscalingTarget { get; set; } = 5;

    public int MinReplicas { get; set; } = 1;

    public int MaxReplicas { get; set; } = 4;

    public int CooldownSeconds { get; set; } = 300;

    public int PollingSeconds { get; set; } = 15;

    public ServiceKind ServiceType { get; set; } = ServiceKind.ClusterIP;

    public bool CacheEnabled { get; set; } = true;

    public string CacheSize { get; set; } = "100Gi";

    public string? StorageClass { get; set; }

    public TokenSource TokenSource { get; set; } = TokenSource.None;

    /// <summary>The pasted token: never saved in the draft, never shown again once deployed.</summary>
    [JsonIgnore]
    public string? TokenValue { get; set; }

    public string? ExistingTokenSecret { get; set; }

    public int? TensorParallel { get; set; }

    public string? Dtype { get; set; }

    public string? Quantization { get; set; }

    public int? MaxConcurrentSequences { get; set; }

    public bool TrustRemoteCode { get; set; }

    public List<string> ExtraArgs { get; set; } = [];

    public List<EnvEntry> Env { get; set; } = [];

    public string? ImageTag { get; set; }

    /// <summary>The operator read the warning that some replicas can never be scheduled and deploys anyway.</summary>
    public bool AcknowledgedCapacity { get; set; }

    public EngineProfile? Profile => EngineProfiles.TryGet(Framework, out var profile) ? profile : null;

    /// <summary>
    /// Switches framework, keeping what still applies: a catalog model changes to the id form the new
    /// framework needs, options it does not understand are cleared.
    /// </summary>
    public void ChangeFramework(string framework)
    {
        if (Framework == framework || !EngineProfiles.TryGet(framework, out var profile))
        {
            return;
        }

        var previous = Profile;
        Framework = framework;
        if (ModelCatalog.Find(Model) is { } known)
        {
            var id = profile.ModelIdFormat == ModelIdFormat.Ollama ? known.OllamaTag : known.Id;
            if (id is not null)
            {
                Model = id;
            }
        }
        else if (previous is not null && previous.ModelIdFormat != profile.ModelIdFormat)
        {
            Model = "";
        }

        if (!profile.Supports(EngineOption.ServedModelName))
        {
            ServedModelName = null;
        }

        if (!profile.Supports(EngineOption.TensorParallel))
        {
            TensorParallel = null;
        }

        if (!profile.Supports(EngineOption.GpuMemoryFraction))
        {
            GpuMemoryFraction = null;
        }

        if (Dtype is not null && !ChoicesOf(profile, EngineOption.Dtype).Contains(Dtype))
        {
            Dtype = null;
        }

        if (Quantization is not null && !ChoicesOf(profile, EngineOption.Quantization).Contains(Quantization))
        {
            Quantization = null;
        }

        if (!profile.Supports(EngineOption.MaxConcurrentSequences))
        {
            MaxConcurrentSequences = null;
        }

        if (!profile.Supports(EngineOption.TrustRemoteCode))
        {
            TrustRemoteCode = false;
        }

        if (!profile.AcceptsExtraArgs)
        {
            ExtraArgs.Clear();
        }

        if (profile.HuggingFaceTokenEnv is null)
        {
            TokenSource = TokenSource.None;
            TokenValue = null;
            ExistingTokenSecret = null;
        }

        if (profile.RequiresGpu && GpusPerReplica < 1)
        {
            GpusPerReplica = 1;
        }

        if (!AutoscalingMetrics.SupportedBy(profile).Contains(AutoscalingMetric))
        {
            AutoscalingMetric = AutoscalingMetrics.SupportedBy(profile).First();
        }

        if (!NameEdited)
        {
            Name = SuggestName(Model);
        }
    }

    /// <summary>Sets the model; the name follows it until the operator types one.</summary>
    public void ChangeModel(string model)
    {
        Model = model.Trim();
        if (!NameEdited)
        {
            Name = SuggestName(Model);
        }
    }

    public void ChangeName(string name)
    {
        Name = name.Trim();
        NameEdited = Name.Length > 0;
    }

    /// <summary>A DNS-1123 name from a model id: <c>Qwen/Qwen2.5-7B-Instruct</c> → <c>qwen2-5-7b-instruct</c>.</summary>
    public static string SuggestName(string model)
    {
        var last = model.Split('/').Last();
        var chars = last.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var name = string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        name = name.TrimStart('-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
        if (name.Length > DeploymentSpecValidator.MaxNameLength)
        {
            name = name[..DeploymentSpecValidator.MaxNameLength].TrimEnd('-');
        }

        return name;
    }

    public static IReadOnlyList<string> ChoicesOf(EngineProfile profile, EngineOption option) =>
        profile.Options.FirstOrDefault(o => o.Option == option)?.Choices ?? [];
}
