using Microsoft.Extensions.Options;
using Portal.Application.Deployments;
using Portal.Application.Ports;
using Portal.Domain.Capacity;
using Portal.Domain.Catalog;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Manifests;

namespace Portal.Services.Wizard;

/// <summary>What the wizard knows of the cluster while the operator fills it in.</summary>
public sealed record WizardContext(
    ClusterLimits Limits,
    ClusterCapacity Capacity,
    IReadOnlyList<string> Namespaces)
{
    /// <summary>GPU products to offer: the cluster's when it reported any, else the catalog's.</summary>
    public IReadOnlyList<string> GpuTypes =>
        Limits.KnownGpuTypes is { Count: > 0 } known ? known : ModelCatalog.Gpus.Select(g => g.Product).ToList();

    public bool GpuTypesFromCluster => Limits.KnownGpuTypes is { Count: > 0 };
}

/// <summary>The memory estimate for the draft, and what it assumed.</summary>
public sealed record MemoryFit(MemoryEstimate Estimate, CatalogModel Model, GpuModel Gpu, int GpuCount, bool GpuAssumed);

/// <summary>The rendered manifests and Helm values of the draft, or why they cannot be rendered yet.</summary>
public sealed record ManifestPreview(string? Yaml, string? HelmValues, string? Problem);

/// <summary>How a deploy click ended: the deployment's name, or the field errors / message to show.</summary>
public sealed record DeployOutcome(string? DeploymentName, FieldErrors Errors, string? Message)
{
    public bool Succeeded => DeploymentName is not null;

    public static DeployOutcome Failed(string message) => new(null, FieldErrors.None, message);
}

/// <summary>
/// The deploy wizard's logic: turns the draft into the same <see cref="CreateDeployment"/> command the REST API
/// sends, validates it through <see cref="DeploymentCommands"/> (plus the draft's own checks: env rows, an existing
/// Secret's name), estimates GPU memory, checks GPU capacity, renders the preview, and deploys.
/// </summary>
public sealed class DeployWizard(
    IClusterLimits limits,
    IClusterInspector inspector,
    DeploymentCommands commands,
    IOptions<NamespaceOptions> namespaces,
    IOptions<RenderOptions> renderOptions)
{
    private (string Name, bool Taken)? _lastNameCheck;

    public async Task<WizardContext> LoadContextAsync(CancellationToken cancellationToken)
    {
        var clusterLimits = limits.GetAsync(cancellationToken);
        var capacity = inspector.CapacityAsync(cancellationToken);
        return new WizardContext(await clusterLimits, await capacity, namespaces.Value.Managed);
    }

    /// <summary>The command the draft describes: its spec, and the pasted token when the draft has one.</summary>
    public static CreateDeployment ToCommand(WizardDraft draft) =>
        new(ToSpec(draft), draft.TokenSource == TokenSource.New ? draft.TokenValue ?? "" : null);

    /// <summary>The spec the draft describes; never fails (validation says what is wrong with it).</summary>
    public static DeploymentSpec ToSpec(WizardDraft draft)
    {
        var profile = draft.Profile;
        bool Supports(EngineOption option) => profile?.Supports(option) ?? true;
        var autoscaled = draft.AutoscalingMode != AutoscalingMode.Off;
        var name = draft.Name.Trim();
        return new DeploymentSpec
        {
            Name = name,
            Namespace = string.IsNullOrWhiteSpace(draft.Namespace) ? "default" : draft.Namespace.Trim(),
            Framework = draft.Framework ?? "",
            Model = draft.Model.Trim(),
            ServedModelName = Supports(EngineOption.ServedModelName) ? NullIfBlank(draft.ServedModelName) : null,
            Replicas = autoscaled ? draft.MinReplicas : draft.Replicas,
            GpusPerReplica = draft.GpusPerReplica,
            GpuType = draft.GpusPerReplica > 0 ? NullIfBlank(draft.GpuType) : null,
            Cpu = NullIfBlank(draft.Cpu),
            Memory = NullIfBlank(draft.Memory),
            ContextLength = draft.ContextLength,
            Engine = new EngineOptions
            {
                TensorParallel = Supports(EngineOption.TensorParallel) ? draft.TensorParallel : null,
                GpuMemoryFraction = Supports(EngineOption.GpuMemoryFraction) ? draft.GpuMemoryFraction : null,
                Dtype = Supports(EngineOption.Dtype) ? NullIfBlank(draft.Dtype) : null,
                Quantization = Supports(EngineOption.Quantization) ? NullIfBlank(draft.Quantization) : null,
                MaxConcurrentSequences = Supports(EngineOption.MaxConcurrentSequences) ? draft.MaxConcurrentSequences : null,
                TrustRemoteCode = Supports(EngineOption.TrustRemoteCode) && draft.TrustRemoteCode,
            },
            ExtraArgs = profile is { AcceptsExtraArgs: false } ? [] : draft.ExtraArgs.ToList(),
            Env = EnvRows(draft)
                .GroupBy(e => e.Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
            Persistence = new PersistenceSpec
            {
                Enabled = draft.CacheEnabled,
                Size = string.IsNullOrWhiteSpace(draft.CacheSize) ? "" : draft.CacheSize.Trim(),
                StorageClass = NullIfBlank(draft.StorageClass),
            },
            ServiceType = draft.ServiceType,
            Autoscaling = new AutoscalingSpec
            {
                Mode = draft.AutoscalingMode,
                Metric = draft.AutoscalingMetric,
                Target = draft.AutoscalingTarget,
                MinReplicas = draft.MinReplicas,
                MaxReplicas = draft.MaxReplicas,
                CooldownSeconds = draft.CooldownSeconds,
                PollingSeconds = draft.PollingSeconds,
            },
            HuggingFaceTokenSecret = draft.TokenSource switch
            {
                TokenSource.New when name.Length > 0 => TokenSecret.NameFor(name),
                TokenSource.Existing => NullIfBlank(draft.ExistingTokenSecret),
                _ => null,
            },
            ImageTag = NullIfBlank(draft.ImageTag),
        };
    }

    /// <summary>Every problem of the draft, keyed like the API's (env rows as <c>env[i]</c>); the name is looked up only when it changed.</summary>
    public async Task<FieldErrors> ValidateAsync(WizardDraft draft, WizardContext context, CancellationToken cancellationToken)
    {
        var command = ToCommand(draft);
        var found = await commands.ValidateAsync(command, cancellationToken, checkNameTaken: false);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            if (!list.Contains(message))
            {
                list.Add(message);
            }
        }

        foreach (var (field, messages) in found)
        {
            foreach (var message in messages)
            {
                Add(EnvRowField(draft, field) ?? field, message);
            }
        }

        var name = command.Spec.Name.Trim();
        if (!errors.ContainsKey("name") && await NameTakenAsync(name, cancellationToken))
        {
            Add("name", DeploymentCommands.NameTakenMessage(name));
        }

        if (draft.TokenSource == TokenSource.Existing && string.IsNullOrWhiteSpace(draft.ExistingTokenSecret))
        {
            Add("huggingFaceTokenSecret", "Name the Secret that holds the token (key 'token'), or choose another option.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < draft.Env.Count; i++)
        {
            var row = draft.Env[i];
            var rowName = row.Name.Trim();
            if (rowName.Length == 0 && row.Value.Length > 0)
            {
                Add($"env[{i}]", "Give the variable a name, or remove the row.");
            }
            else if (rowName.Length > 0 && !seen.Add(rowName))
            {
                Add($"env[{i}]", $"{rowName} is set twice; remove one of the rows.");
            }
        }

        return new FieldErrors(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
    }

    /// <summary>The memory estimate for a catalog model on the chosen (or the cluster's) GPUs; null when there is nothing to estimate.</summary>
    public static MemoryFit? EstimateMemory(WizardDraft draft, WizardContext context)
    {
        if (draft.Profile is null || draft.GpusPerReplica < 1 || ModelCatalog.Find(draft.Model) is not { } model)
        {
            return null;
        }

        var (gpu, assumed) = GpuFor(draft.GpuType, context);
        var spec = ToSpec(draft);
        var estimate = GpuMemoryEstimator.Estimate(new MemoryEstimateRequest
        {
            Model = model,
            Dtype = spec.Engine.Dtype,
            Quantization = spec.Engine.Quantization ?? (spec.Framework == "ollama" ? GpuMemoryEstimator.OllamaDefaultQuantization : null),
            ContextLength = spec.ContextLength,
            GpuCount = draft.GpusPerReplica,
            GpuMemoryBytes = gpu.MemoryBytes,
            MemoryFraction = spec.Engine.GpuMemoryFraction is > 0 and <= 1 ? spec.Engine.GpuMemoryFraction.Value : 0.9,
            MaxGpus = context.Limits.MaxGpusPerNode,
        });
        return new MemoryFit(estimate, model, gpu, draft.GpusPerReplica, assumed);
    }

    /// <summary>Whether the replicas' GPUs fit the cluster now, or ever; null when they fit or the cluster is unknown.</summary>
    public static CapacityWarning? CheckCapacity(WizardDraft draft, WizardContext context) =>
        CapacityWarning.For(context.Capacity, draft.AutoscalingMode == AutoscalingMode.Off ? draft.Replicas : draft.MinReplicas, draft.GpusPerReplica);

    /// <summary>The YAML the portal will apply and the Helm values export, rendered from the draft.</summary>
    public ManifestPreview Preview(WizardDraft draft, WizardContext context)
    {
        var spec = ToSpec(draft);
        try
        {
            var manifests = ManifestRenderer.Render(spec, revision: 1, renderOptions.Value, context.Limits);
            return new ManifestPreview(ManifestYaml.Serialize(manifests), HelmValuesExporter.Export(spec, renderOptions.Value), null);
        }
        catch (InvalidDeploymentSpecException e)
        {
            return new ManifestPreview(null, null, $"Fix the problems above to see the manifests ({e.Result.Errors.Count} field(s)).");
        }
    }

    /// <summary>
    /// Validates again and creates the deployment through the same command as <c>POST /api/v1/deployments</c>
    /// (which stores a pasted token as a Secret first). Returns at once; a job deploys it.
    /// </summary>
    public async Task<DeployOutcome> DeployAsync(WizardDraft draft, CancellationToken cancellationToken)
    {
        var context = await LoadContextAsync(cancellationToken);
        _lastNameCheck = null;
        var errors = await ValidateAsync(draft, context, cancellationToken);
        if (!errors.IsEmpty)
        {
            return new DeployOutcome(null, errors, "Some fields need attention before this can be deployed.");
        }

        return await commands.CreateAsync(ToCommand(draft), cancellationToken) switch
        {
            CommandResult.Accepted accepted => new DeployOutcome(accepted.Deployment.Name, FieldErrors.None, null),
            CommandResult.Invalid invalid => new DeployOutcome(null, new FieldErrors(invalid.Errors), "Some fields need attention before this can be deployed."),
            CommandResult.Forbidden forbidden => DeployOutcome.Failed(forbidden.Message.Replace("change them", "create them", StringComparison.Ordinal)),
            CommandResult.Conflict conflict => DeployOutcome.Failed(conflict.Message),
            CommandResult.ClusterFailed failed => DeployOutcome.Failed(failed.Message),
            var other => DeployOutcome.Failed($"The deployment was not created ({other.GetType().Name})."),
        };
    }

    /// <summary>Whether the name is taken, asked of the database only when it differs from the last name asked about.</summary>
    private async Task<bool> NameTakenAsync(string name, CancellationToken cancellationToken)
    {
        if (_lastNameCheck is { } last && last.Name == name)
        {
            return last.Taken;
        }

        var taken = await commands.NameTakenAsync(name, cancellationToken);
        _lastNameCheck = (name, taken);
        return taken;
    }

    private static (GpuModel Gpu, bool Assumed) GpuFor(string? gpuType, WizardContext context)
    {
        if (!string.IsNullOrWhiteSpace(gpuType))
        {
            if (ModelCatalog.FindGpu(gpuType) is { } known)
            {
                return (known, false);
            }

            if (context.Capacity.Nodes.FirstOrDefault(n => n.GpuProduct == gpuType && n.GpuMemoryMiB > 0) is { } node)
            {
                return (new GpuModel(gpuType, gpuType.Replace('-', ' '), node.GpuMemoryMiB!.Value), false);
            }
        }

        // No type chosen: the pods land on any GPU node, so estimate for the smallest GPU the cluster has.
        var fromCluster = context.Capacity.Nodes
            .Select(n => ModelCatalog.FindGpu(n.GpuProduct) ?? (n.GpuMemoryMiB is > 0 ? new GpuModel(n.GpuProduct ?? n.Node, n.GpuProduct ?? n.Node, n.GpuMemoryMiB.Value) : null))
            .OfType<GpuModel>()
            .OrderBy(g => g.MemoryMiB)
            .FirstOrDefault();
        return fromCluster is not null ? (fromCluster, string.IsNullOrWhiteSpace(gpuType)) : (ModelCatalog.Gpus[0], true);
    }

    private static IEnumerable<EnvEntry> EnvRows(WizardDraft draft) =>
        draft.Env.Where(e => e.Name.Trim().Length > 0).Select(e => new EnvEntry { Name = e.Name.Trim(), Value = e.Value });

    /// <summary>The validator names env problems <c>env.NAME</c>; the wizard shows them on the row, <c>env[i]</c>.</summary>
    private static string? EnvRowField(WizardDraft draft, string field)
    {
        if (!field.StartsWith("env.", StringComparison.Ordinal))
        {
            return null;
        }

        var name = field["env.".Length..];
        var index = draft.Env.FindLastIndex(e => e.Name.Trim() == name);
        return index >= 0 ? $"env[{index}]" : null;
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
