using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using Portal.Domain.Engines;

namespace Portal.Domain.Deployments;

/// <summary>
/// Checks a spec before anything is stored or rendered. Every message names its field by the
/// camelCase JSON path the REST body uses, and says what would be accepted.
/// </summary>
public static partial class DeploymentSpecValidator
{
    /// <summary>
    /// A StatefulSet's pods carry the label <c>controller-revision-hash: NAME-HASH</c>; with the
    /// hash that leaves 52 of a label value's 63 characters for the name.
    /// </summary>
    public const int MaxNameLength = 52;

    public const int MaxExtraArgs = 64;

    public const int MinContextLength = 128;

    public const int MaxContextLength = 10_485_760;

    public const int MaxConcurrentSequencesLimit = 65_536;

    public static SpecValidationResult Validate(DeploymentSpec spec, ClusterLimits limits)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        var errors = new Errors();

        ValidateName(spec.Name, errors);
        ValidateNamespace(spec.Namespace, errors);
        EngineProfiles.TryGet(spec.Framework, out var profile);
        if (string.IsNullOrEmpty(spec.Framework))
        {
            errors.Add("framework", "Framework is required.");
        }
        else if (profile is null)
        {
            errors.Add("framework", $"Framework must be one of: {string.Join(", ", EngineProfiles.Ids)}.");
        }

        if (string.IsNullOrWhiteSpace(spec.Model))
        {
            errors.Add("model", "Model is required.");
        }
        else if (profile is not null && !ModelIds.IsValid(profile.ModelIdFormat, spec.Model))
        {
            errors.Add("model", ModelIds.Describe(profile.ModelIdFormat));
        }

        ValidateResources(spec, profile, limits, errors);
        if (spec.Engine is null)
        {
            errors.Add("engine", "Engine options must be an object (it may be empty).");
        }
        else if (profile is not null)
        {
            ValidateEngineOptions(spec, profile, errors);
        }

        if (spec.ServedModelName is { } served && profile is not null && profile.Supports(EngineOption.ServedModelName)
            && !ServedModelNames.IsValid(served))
        {
            errors.Add("servedModelName", ServedModelNames.Rule);
        }

        if (spec.ContextLength is < MinContextLength or > MaxContextLength)
        {
            errors.Add("contextLength",
                $"Context length must be between {MinContextLength} and {MaxContextLength.ToString("N0", CultureInfo.InvariantCulture)} tokens.");
        }

        ValidateExtraArgs(spec.ExtraArgs, profile, errors);
        ValidateEnv(spec.Env, profile, errors);
        ValidatePersistence(spec.Persistence, errors);
        if (!Enum.IsDefined(spec.ServiceType))
        {
            errors.Add("serviceType", "Service type must be ClusterIP, NodePort or LoadBalancer.");
        }

        ValidateAutoscaling(spec, profile, limits, errors);
        ValidateSecretAndImage(spec, profile, errors);
        return errors.ToResult();
    }

    /// <summary>Throws <see cref="InvalidDeploymentSpecException"/> unless the spec is valid.</summary>
    public static void EnsureValid(DeploymentSpec spec, ClusterLimits? limits = null)
    {
        var result = Validate(spec, limits ?? ClusterLimits.Default);
        if (!result.IsValid)
        {
            throw new InvalidDeploymentSpecException(result);
        }
    }

    private static void ValidateName(string? name, Errors errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "Name is required.");
        }
        else if (!Dns1123Label().IsMatch(name))
        {
            errors.Add("name", "Name must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit.");
        }
        else if (!char.IsAsciiLetterLower(name[0]))
        {
            errors.Add("name", "Name must start with a letter: it also names the Service, which must be a DNS-1035 label.");
        }

        if (name?.Length > MaxNameLength)
        {
            errors.Add("name", $"Name must be at most {MaxNameLength} characters: Kubernetes appends a revision hash to it in a 63-character label.");
        }
    }

    private static void ValidateNamespace(string? ns, Errors errors)
    {
        if (string.IsNullOrEmpty(ns))
        {
            errors.Add("namespace", "Namespace is required.");
        }
        else if (ns.Length > 63 || !Dns1123Label().IsMatch(ns))
        {
            errors.Add("namespace", "Namespace must be a DNS-1123 label of at most 63 characters: lowercase letters, digits and '-', starting and ending with a letter or digit.");
        }
    }

    private static void ValidateResources(DeploymentSpec spec, EngineProfile? profile, ClusterLimits limits, Errors errors)
    {
        if (spec.Replicas < 0 || spec.Replicas > limits.MaxReplicas)
        {
            errors.Add("replicas", $"Replicas must be between 0 and {limits.MaxReplicas}.");
        }

        var minGpus = profile?.RequiresGpu == true ? 1 : 0;
        if (spec.GpusPerReplica < minGpus)
        {
            errors.Add("gpusPerReplica", minGpus == 1
                ? $"{profile!.DisplayName} needs at least one GPU per replica."
                : "GPUs per replica cannot be negative.");
        }
        else if (spec.GpusPerReplica > limits.MaxGpusPerNode)
        {
            errors.Add("gpusPerReplica",
                $"GPUs per replica must be at most {limits.MaxGpusPerNode}: a replica runs on one node, and nodes here hold at most {limits.MaxGpusPerNode} GPUs.");
        }

        if (spec.GpuType is { } gpuType)
        {
            if (spec.GpusPerReplica <= 0)
            {
                errors.Add("gpuType", "A GPU type needs at least one GPU per replica.");
            }
            else if (limits.KnownGpuTypes is { Count: > 0 } known && !known.Contains(gpuType, StringComparer.Ordinal))
            {
                errors.Add("gpuType", $"GPU type must be one of the cluster's: {string.Join(", ", known)}.");
            }
            else if (!IsLabelValue(gpuType) || gpuType.Length == 0)
            {
                errors.Add("gpuType", "GPU type must be a node label value (of nvidia.com/gpu.product), for example NVIDIA-H100-80GB-HBM3.");
            }
        }

        if (spec.Cpu is not null && !IsPositiveQuantity(spec.Cpu))
        {
            errors.Add("cpu", "CPU must be a positive Kubernetes quantity, for example 4 or 500m.");
        }

        if (spec.Memory is not null && !IsPositiveQuantity(spec.Memory))
        {
            errors.Add("memory", "Memory must be a positive Kubernetes quantity, for example 32Gi.");
        }
    }

    private static void ValidateEngineOptions(DeploymentSpec spec, EngineProfile profile, Errors errors)
    {
        var options = spec.Engine;
        foreach (var option in Enum.GetValues<EngineOption>())
        {
            var info = EngineOptionInfo.For(option);
            if (info.Field is not null && !profile.Supports(option) && EngineOptionValues.IsSetByOperator(spec, option))
            {
                errors.Add(info.Field, $"{profile.DisplayName} does not support {info.Label.ToLowerInvariant()}; leave it empty.");
            }
        }

        if (options.TensorParallel is { } tp && profile.Supports(EngineOption.TensorParallel))
        {
            if (tp < 1)
            {
                errors.Add("engine.tensorParallel", "Tensor parallel must be at least 1.");
            }
            else if (spec.GpusPerReplica <= 0)
            {
                errors.Add("engine.tensorParallel", "Tensor parallel needs at least one GPU per replica.");
            }
            else if (spec.GpusPerReplica % tp != 0)
            {
                errors.Add("engine.tensorParallel", $"Tensor parallel ({tp}) must divide the GPUs per replica ({spec.GpusPerReplica}).");
            }
        }

        if (options.GpuMemoryFraction is { } fraction && profile.Supports(EngineOption.GpuMemoryFraction)
            && !(fraction > 0 && fraction <= 1))
        {
            errors.Add("engine.gpuMemoryFraction", "GPU memory fraction must be greater than 0 and at most 1, for example 0.9.");
        }

        CheckChoice(profile, EngineOption.Dtype, options.Dtype, errors);
        CheckChoice(profile, EngineOption.Quantization, options.Quantization, errors);

        if (options.MaxConcurrentSequences is < 1 or > MaxConcurrentSequencesLimit
            && profile.Supports(EngineOption.MaxConcurrentSequences))
        {
            errors.Add("engine.maxConcurrentSequences", $"Max concurrent sequences must be between 1 and {MaxConcurrentSequencesLimit}.");
        }
    }

    private static void CheckChoice(EngineProfile profile, EngineOption option, string? value, Errors errors)
    {
        var binding = profile.Options.FirstOrDefault(o => o.Option == option);
        if (binding is null || value is null || binding.Choices.Contains(value, StringComparer.Ordinal))
        {
            return;
        }

        var info = EngineOptionInfo.For(option);
        errors.Add(info.Field!, $"{info.Label} must be one of: {string.Join(", ", binding.Choices)}.");
    }

    private static void ValidateExtraArgs(IReadOnlyList<string>? args, EngineProfile? profile, Errors errors)
    {
        if (args is null)
        {
            errors.Add("extraArgs", "Extra arguments must be a list (it may be empty).");
            return;
        }

        if (args.Count > 0 && profile is { AcceptsExtraArgs: false })
        {
            errors.Add("extraArgs", $"{profile.DisplayName} takes no command-line arguments; set its environment variables in env instead.");
            return;
        }

        if (args.Count > MaxExtraArgs)
        {
            errors.Add("extraArgs", $"At most {MaxExtraArgs} extra arguments are allowed.");
        }

        for (var i = 0; i < args.Count; i++)
        {
            var field = $"extraArgs[{i}]";
            var arg = args[i];
            if (string.IsNullOrWhiteSpace(arg))
            {
                errors.Add(field, "Argument must not be empty.");
            }
            else if (arg.Length > 4096)
            {
                errors.Add(field, "Argument must be at most 4096 characters.");
            }
            else if (arg.Any(char.IsControl))
            {
                errors.Add(field, "Argument must not contain newlines or other control characters.");
            }
            else if (arg.IndexOfAny(ShellCharacters) >= 0)
            {
                errors.Add(field, "Argument must not contain shell syntax (; | & $ ` < > \\): arguments go to the engine as a list, never through a shell.");
            }
            else if (arg.StartsWith('-') && profile?.WhyFlagIsReserved(arg.Split('=', 2)[0]) is { } reason)
            {
                errors.Add(field, reason);
            }
        }
    }

    private static void ValidateEnv(IReadOnlyDictionary<string, string>? env, EngineProfile? profile, Errors errors)
    {
        if (env is null)
        {
            errors.Add("env", "Environment must be an object of names to values (it may be empty).");
            return;
        }

        foreach (var (name, value) in env)
        {
            var field = $"env.{name}";
            if (name.Length > 256 || !EnvVarName().IsMatch(name))
            {
                errors.Add(field, "Environment variable names must consist of letters, digits, '_', '-' and '.', and must not start with a digit.");
            }
            else if (profile?.WhyEnvIsReserved(name) is { } reason)
            {
                errors.Add(field, reason);
            }

            if (value is null)
            {
                errors.Add(field, "Environment variable value must be a string (it may be empty).");
            }
            else if (value.Length > 32_768 || value.Contains('\0'))
            {
                errors.Add(field, "Environment variable value must be at most 32768 characters without NUL characters.");
            }
        }
    }

    private static void ValidatePersistence(PersistenceSpec? persistence, Errors errors)
    {
        if (persistence is null)
        {
            errors.Add("persistence", "Persistence must be an object.");
            return;
        }

        if (persistence.Enabled && !IsPositiveQuantity(persistence.Size))
        {
            errors.Add("persistence.size", "Cache size must be a positive Kubernetes quantity, for example 100Gi.");
        }

        if (persistence.StorageClass is { } storageClass && !IsDnsSubdomain(storageClass))
        {
            errors.Add("persistence.storageClass", "Storage class must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'.");
        }
    }

    private static void ValidateAutoscaling(DeploymentSpec spec, EngineProfile? profile, ClusterLimits limits, Errors errors)
    {
        var autoscaling = spec.Autoscaling;
        if (autoscaling is null)
        {
            errors.Add("autoscaling", "Autoscaling must be an object.");
            return;
        }

        if (!Enum.IsDefined(autoscaling.Mode))
        {
            errors.Add("autoscaling.mode", "Autoscaling mode must be Off, Hpa or Keda.");
            return;
        }

        if (autoscaling.Mode == AutoscalingMode.Off)
        {
            return;
        }

        if (!AutoscalingMetrics.All.Contains(autoscaling.Metric))
        {
            errors.Add("autoscaling.metric", $"Unknown signal '{autoscaling.Metric}'; scale on one of: {string.Join(", ", profile is null ? AutoscalingMetrics.All : AutoscalingMetrics.SupportedBy(profile))}.");
        }
        else if (profile is not null && !AutoscalingMetrics.SupportedBy(profile).Contains(autoscaling.Metric))
        {
            errors.Add("autoscaling.metric",
                $"{profile.DisplayName} exposes no {autoscaling.Metric} metric; scale on one of: {string.Join(", ", AutoscalingMetrics.SupportedBy(profile))}.");
        }
        else if (autoscaling.Metric == AutoscalingMetrics.Cpu && spec.Cpu is null)
        {
            errors.Add("autoscaling.metric", "Scaling on CPU needs a CPU request: set cpu.");
        }
        else if (autoscaling.Metric == AutoscalingMetrics.GpuUtilization && spec.GpusPerReplica < 1)
        {
            errors.Add("autoscaling.metric", "Scaling on GPU utilisation needs at least one GPU per replica.");
        }
        else if (autoscaling.Mode == AutoscalingMode.Hpa && !AutoscalingMetrics.HpaCanUse(autoscaling.Metric))
        {
            errors.Add("autoscaling.metric",
                $"{AutoscalingMetrics.Signal(autoscaling.Metric)!.Label} is one value for the whole deployment, which only KEDA evaluates; choose KEDA or a per-replica signal.");
        }

        var lowest = autoscaling.Mode == AutoscalingMode.Keda ? 0 : 1;
        if (autoscaling.MinReplicas < lowest)
        {
            errors.Add("autoscaling.minReplicas", lowest == 1
                ? "The HPA cannot scale below 1 replica; choose KEDA to scale to zero."
                : "Minimum replicas cannot be negative.");
        }
        else if (autoscaling.MinReplicas > autoscaling.MaxReplicas)
        {
            errors.Add("autoscaling.minReplicas", $"Minimum replicas ({autoscaling.MinReplicas}) cannot be more than the maximum ({autoscaling.MaxReplicas}).");
        }

        if (autoscaling.MaxReplicas < Math.Max(1, autoscaling.MinReplicas) || autoscaling.MaxReplicas > limits.MaxReplicas)
        {
            errors.Add("autoscaling.maxReplicas",
                $"Maximum replicas must be at least 1 and the minimum ({autoscaling.MinReplicas}), and at most {limits.MaxReplicas}.");
        }

        if (!(double.IsFinite(autoscaling.Target) && autoscaling.Target > 0))
        {
            errors.Add("autoscaling.target", "Target must be a positive number.");
        }
        else if (autoscaling.Metric == AutoscalingMetrics.KvCacheUsage && autoscaling.Target > 1)
        {
            errors.Add("autoscaling.target", "KV-cache use is a fraction: the target must be at most 1 (for example 0.8).");
        }
        else if (autoscaling.Metric is AutoscalingMetrics.GpuUtilization or AutoscalingMetrics.Cpu && autoscaling.Target > 100)
        {
            errors.Add("autoscaling.target", "A utilisation target is a percentage: at most 100.");
        }

        if (autoscaling.CooldownSeconds is < 0 or > 86_400)
        {
            errors.Add("autoscaling.cooldownSeconds", "Cooldown must be between 0 and 86400 seconds.");
        }

        if (autoscaling.PollingSeconds is < 1 or > 3_600)
        {
            errors.Add("autoscaling.pollingSeconds", "Polling interval must be between 1 and 3600 seconds.");
        }
    }

    private static void ValidateSecretAndImage(DeploymentSpec spec, EngineProfile? profile, Errors errors)
    {
        if (spec.HuggingFaceTokenSecret is { } secret)
        {
            if (profile is { HuggingFaceTokenEnv: null })
            {
                errors.Add("huggingFaceTokenSecret", $"{profile.DisplayName} does not use a Hugging Face token; leave it empty.");
            }
            else if (!IsDnsSubdomain(secret))
            {
                errors.Add("huggingFaceTokenSecret", "Secret name must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.'.");
            }
        }

        if (spec.ImageTag is { } tag && !ImageTag().IsMatch(tag))
        {
            errors.Add("imageTag", "Image tag must be 1–128 letters, digits, '_', '.' or '-', not starting with '.' or '-'.");
        }
    }

    private static readonly char[] ShellCharacters = [';', '|', '&', '$', '`', '<', '>', '\\'];

    private static bool IsPositiveQuantity(string? text)
    {
        // ResourceQuantity forgives spaces and "1,5"; the API server holds to apimachinery's grammar.
        if (text is null || !QuantityGrammar().IsMatch(text))
        {
            return false;
        }

        try
        {
            return new ResourceQuantity(text).ToDecimal() > 0;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    private static bool IsLabelValue(string value) => value.Length <= 63 && LabelValue().IsMatch(value);

    private static bool IsDnsSubdomain(string value) =>
        value.Length <= 253 && value.Split('.').All(part => Dns1123Label().IsMatch(part));

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex Dns1123Label();

    // k8s.io/apimachinery/pkg/api/resource: <signedNumber><suffix>, here without a sign (must be positive).
    [GeneratedRegex(@"^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[mkMGTPE]|[eE][+-]?\d+)?\z")]
    private static partial Regex QuantityGrammar();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\\z")]
    private static partial Regex LabelValue();

    // Kubernetes' IsEnvVarName before 1.34 relaxed it: the portable rule.
    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*\\z")]
    private static partial Regex EnvVarName();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\\z")]
    private static partial Regex ImageTag();

    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _byField = new(StringComparer.Ordinal);

        public void Add(string field, string message)
        {
            if (!_byField.TryGetValue(field, out var messages))
            {
                _byField[field] = messages = [];
            }

            messages.Add(message);
        }

        public SpecValidationResult ToResult() =>
            new(_byField.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
    }
}
