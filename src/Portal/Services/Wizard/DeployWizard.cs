using System.Globalization;
using System.Security.Claims;
using System.Text;
using k8s.Models;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Portal.Api;
using Portal.Auth;
using Portal.Core.Catalog;
using Portal.Core.Data;
using Portal.Core.Deployments;
using Portal.Core.Engines;
using Portal.Core.Manifests;
using Portal.Jobs.Cluster;
using Portal.Jobs.Deployments;

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

public enum CapacitySeverity
{
    /// <summary>Some replicas must wait for GPUs to free up.</summary>
    Warning,

    /// <summary>Some replicas can never be scheduled on this cluster.</summary>
    Impossible,
}

/// <summary>A warning that the requested GPUs do not fit the cluster (the API accepts such specs; the pods stay Pending).</summary>
public sealed record CapacityCheck(CapacitySeverity Severity, string Message);

/// <summary>The rendered manifests and Helm values of the draft, or why they cannot be rendered yet.</summary>
public sealed record ManifestPreview(string? Yaml, string? HelmValues, string? Problem);

/// <summary>How a deploy click ended: the deployment's name, or the field errors / message to show.</summary>
public sealed record DeployOutcome(string? DeploymentName, FieldErrors Errors, string? Message)
{
    public bool Succeeded => DeploymentName is not null;

    public static DeployOutcome Failed(string message) => new(null, FieldErrors.None, message);
}

/// <summary>
/// The deploy wizard's logic: turns the draft into a spec, validates it exactly as the REST API does
/// (plus the wizard's own checks: token, env rows, a taken name), estimates GPU memory, checks GPU
/// capacity, renders the preview, and deploys through <see cref="DeploymentCommands"/>.
/// </summary>
public sealed class DeployWizard(
    ClusterLimitsProvider limits,
    DeploymentInspector inspector,
    DeploymentQueries queries,
    DeploymentCommands commands,
    ClusterWriter writer,
    IAuthorizationService authorization,
    IOptions<KubernetesOptions> kubernetes,
    IOptions<RenderOptions> renderOptions)
{
    public const string TokenSecretSuffix = Portal.Jobs.Cluster.ClusterWriter.TokenSecretSuffix;
    public const string TokenSecretKey = "token";

    public async Task<WizardContext> LoadContextAsync(CancellationToken cancellationToken)
    {
        var clusterLimits = limits.GetAsync(cancellationToken);
        var capacity = inspector.CapacityAsync(cancellationToken);
        return new WizardContext(await clusterLimits, await capacity, kubernetes.Value.ManagedNamespaces);
    }

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
            },
            HuggingFaceTokenSecret = draft.TokenSource switch
            {
                TokenSource.New when name.Length > 0 => name + TokenSecretSuffix,
                TokenSource.Existing => NullIfBlank(draft.ExistingTokenSecret),
                _ => null,
            },
            ImageTag = NullIfBlank(draft.ImageTag),
        };
    }

    /// <summary>Every problem of the draft, keyed like the API's (env rows as <c>env[i]</c>).</summary>
    public async Task<FieldErrors> ValidateAsync(WizardDraft draft, WizardContext context, CancellationToken cancellationToken)
    {
        var spec = ToSpec(draft);
        var result = DeploymentSpecValidator.Validate(spec, context.Limits);
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

        foreach (var (field, messages) in result.Errors)
        {
            foreach (var message in messages)
            {
                Add(EnvRowField(draft, field) ?? field, message);
            }
        }

        if (!errors.ContainsKey("namespace") && !context.Namespaces.Contains(spec.Namespace))
        {
            Add("namespace", $"The portal manages the namespaces {string.Join(", ", context.Namespaces)}; choose one of them.");
        }

        if (!errors.ContainsKey("name") && spec.Name.Length > 0 && await queries.FindAsync(spec.Name, cancellationToken) is not null)
        {
            Add("name", $"A deployment named '{spec.Name}' already exists; choose another name.");
        }

        if (draft.TokenSource == TokenSource.New && string.IsNullOrWhiteSpace(draft.TokenValue))
        {
            Add("huggingFaceToken", "Paste the Hugging Face token (it starts with hf_), or choose another option.");
        }
        else if (draft.TokenSource == TokenSource.New && draft.TokenValue!.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            Add("huggingFaceToken", "The token must not contain spaces or line breaks.");
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
    public static CapacityCheck? CheckCapacity(WizardDraft draft, WizardContext context)
    {
        var capacity = context.Capacity;
        var gpus = draft.GpusPerReplica;
        var replicas = draft.AutoscalingMode == AutoscalingMode.Off ? draft.Replicas : draft.MinReplicas;
        if (!capacity.Reachable || gpus < 1 || replicas < 1 || capacity.Nodes.Count == 0)
        {
            return null;
        }

        var wanted = Plural(replicas, "replica") + " × " + Plural(gpus, "GPU") + " = " + Plural(replicas * gpus, "GPU");
        var ever = capacity.ReplicasThatEverFit(gpus);
        if (replicas > ever)
        {
            var largest = capacity.Nodes.Max(n => n.Gpus);
            return new CapacityCheck(CapacitySeverity.Impossible,
                $"This cannot run on this cluster: {wanted}, but its {Plural(capacity.Nodes.Count, "GPU node")} hold {Plural(capacity.TotalGpus, "GPU")} " +
                $"(at most {largest} on one node), room for {Plural(ever, "replica")} of {Plural(gpus, "GPU")}. " +
                $"{Plural(replicas - ever, "pod")} would stay Pending with FailedScheduling “Insufficient nvidia.com/gpu”.");
        }

        var now = capacity.ReplicasThatFitNow(gpus);
        if (replicas > now)
        {
            return new CapacityCheck(CapacitySeverity.Warning,
                (now == 0 ? $"No replica of {Plural(gpus, "GPU")} fits" : $"Only {Plural(now, "replica")} of {Plural(gpus, "GPU")} {(now == 1 ? "fits" : "fit")}") +
                $" on the {Plural(capacity.FreeGpus, "free GPU")} now ({wanted} wanted); " +
                "the others stay Pending until other deployments free their GPUs.");
        }

        return null;
    }

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
    /// Validates again, stores a pasted token as a Secret, and creates the deployment through the same
    /// command as <c>POST /api/v1/deployments</c>. Returns at once; a job deploys it.
    /// </summary>
    public async Task<DeployOutcome> DeployAsync(WizardDraft draft, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!(await authorization.AuthorizeAsync(user, PortalPolicies.Operate)).Succeeded)
        {
            return DeployOutcome.Failed("Your role may view deployments but not create them; ask an Admin for the Operator role.");
        }

        var context = await LoadContextAsync(cancellationToken);
        var errors = await ValidateAsync(draft, context, cancellationToken);
        if (!errors.IsEmpty)
        {
            return new DeployOutcome(null, errors, "Some fields need attention before this can be deployed.");
        }

        var spec = ToSpec(draft);
        if (draft.TokenSource == TokenSource.New)
        {
            try
            {
                await writer.EnsureNamespaceAsync(spec.Namespace, cancellationToken);
                await writer.ApplySecretAsync(TokenSecret(spec, draft.TokenValue!.Trim()), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return DeployOutcome.Failed($"The token could not be stored as a Secret, so nothing was deployed: {ClusterFailure.Describe(e)}");
            }
        }

        return await commands.CreateAsync(spec, DeploymentEndpoints.RequesterOf(user), cancellationToken) switch
        {
            CommandResult.Accepted accepted => new DeployOutcome(accepted.Deployment.Name, FieldErrors.None, null),
            CommandResult.Invalid invalid => new DeployOutcome(null, new FieldErrors(invalid.Errors), "Some fields need attention before this can be deployed."),
            CommandResult.Conflict conflict => DeployOutcome.Failed(conflict.Message),
            var other => DeployOutcome.Failed($"The deployment was not created ({other.GetType().Name})."),
        };
    }

    /// <summary>The Secret holding a pasted Hugging Face token; labelled as the portal's, key <c>token</c>.</summary>
    public static V1Secret TokenSecret(DeploymentSpec spec, string token) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = "Opaque",
        Metadata = new V1ObjectMeta
        {
            Name = spec.HuggingFaceTokenSecret,
            NamespaceProperty = spec.Namespace,
            Labels = new Dictionary<string, string>
            {
                [PortalLabels.ManagedBy] = PortalLabels.ManagedByValue,
                [PortalLabels.Instance] = spec.Name,
            },
        },
        Data = new Dictionary<string, byte[]> { [TokenSecretKey] = Encoding.UTF8.GetBytes(token) },
    };

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

    private static string Plural(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
