using System.Globalization;
using Portal.Domain.Deployments;

namespace Portal.Domain.Engines;

/// <summary>Memory-backed <c>/dev/shm</c> an engine needs, from a number of GPUs per replica on.</summary>
public sealed record SharedMemory(string Size, int FromGpus = 0);

/// <summary>
/// Everything the portal knows about one inference framework, as data: image, port, how a spec becomes an argv
/// list, probes, volumes, metric names and the options it understands. The profiles are in
/// <see cref="EngineProfiles"/>; adding an engine means adding one there.
/// </summary>
public sealed record EngineProfile
{
    /// <summary>The framework id stored in specs and labels: <c>vllm</c>, <c>sglang</c>, <c>ollama</c>.</summary>
    public required string Id { get; init; }

    public required string DisplayName { get; init; }

    /// <summary>A few words for the wizard's card: what the engine is best at.</summary>
    public required string Tagline { get; init; }

    /// <summary>One line for the wizard: when this framework is the right choice.</summary>
    public required string WhenToChoose { get; init; }

    /// <summary>One line for the wizard: what it needs from the cluster.</summary>
    public required string Needs { get; init; }

    /// <summary>Image repository without tag, for example <c>vllm/vllm-openai</c>.</summary>
    public required string ImageRepository { get; init; }

    public required string DefaultTag { get; init; }

    public required int ContainerPort { get; init; }

    public required ModelIdFormat ModelIdFormat { get; init; }

    /// <summary>False when the engine also runs on CPU (zero GPUs per replica allowed).</summary>
    public required bool RequiresGpu { get; init; }

    /// <summary>Where the model-cache volume is mounted.</summary>
    public required string CacheMountPath { get; init; }

    public required EngineProbes Probes { get; init; }

    /// <summary>Prometheus metric names; <see cref="EngineMetricNames.None"/> when the engine exposes none.</summary>
    public required EngineMetricNames Metrics { get; init; }

    /// <summary>The options the engine understands, with the flag or variable each becomes.</summary>
    public required IReadOnlyList<EngineOptionBinding> Options { get; init; }

    /// <summary>The container's command (the executable and its fixed sub-command).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Arguments the portal always sets; <c>{model}</c> and <c>{port}</c> stand for the spec's model and the container port.</summary>
    public required IReadOnlyList<string> BaseArgTemplate { get; init; }

    /// <summary>Flags the portal sets itself (model, host, port, …); extra args may not repeat them.</summary>
    public IReadOnlyList<string> BaseFlags { get; init; } = [];

    /// <summary>Environment the portal always sets, before the mapped options and the operator's env.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> BaseEnvironment { get; init; } = [];

    /// <summary>Memory-backed <c>/dev/shm</c>, or null when the engine needs none.</summary>
    public SharedMemory? SharedMemory { get; init; }

    /// <summary>Path of the Prometheus endpoint on the container port, or null when there is none.</summary>
    public string? MetricsPath { get; init; } = "/metrics";

    public bool ExposesMetrics => MetricsPath is not null;

    /// <summary>Path prefix of the engine's OpenAI-compatible API.</summary>
    public string OpenAiBasePath { get; init; } = "/v1";

    /// <summary>Environment variable the Hugging Face token Secret is mapped to; null when unused.</summary>
    public string? HuggingFaceTokenEnv { get; init; } = "HF_TOKEN";

    /// <summary>Endpoint the portal calls after start to download the model; null when the engine fetches it itself.</summary>
    public string? ModelPullPath { get; init; }

    public bool PullsModelAfterStart => ModelPullPath is not null;

    /// <summary>Whether operators may append their own command-line arguments.</summary>
    public bool AcceptsExtraArgs { get; init; } = true;

    public string Image(string? tag = null) =>
        $"{ImageRepository}:{(string.IsNullOrWhiteSpace(tag) ? DefaultTag : tag)}";

    /// <summary>Size limit of a memory-backed <c>/dev/shm</c> for this spec, or null when the engine needs none.</summary>
    public string? SharedMemorySize(DeploymentSpec spec) =>
        SharedMemory is { } shm && spec.GpusPerReplica >= shm.FromGpus ? shm.Size : null;

    /// <summary>Arguments the portal always sets: model, host and port.</summary>
    public IReadOnlyList<string> BaseArgs(DeploymentSpec spec) =>
        BaseArgTemplate.Select(a => a.Replace("{model}", spec.Model, StringComparison.Ordinal)
            .Replace("{port}", ContainerPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToList();

    /// <summary>The argv the spec turns into: command plus args, never a shell string.</summary>
    public EngineCommand BuildCommand(DeploymentSpec spec) => new(Command, [.. BaseArgs(spec), .. OperatorArgs(spec)]);

    /// <summary>The arguments after <see cref="BaseArgs"/>: the spec's options as flags, then its extra args.</summary>
    public IReadOnlyList<string> OperatorArgs(DeploymentSpec spec)
    {
        var args = new List<string>();
        foreach (var binding in Options.Where(o => o.Flag is not null))
        {
            var value = EngineOptionValues.Read(spec, binding.Option);
            if (value is null)
            {
                continue;
            }

            args.Add(binding.Flag!);
            if (!EngineOptionInfo.For(binding.Option).IsSwitch)
            {
                args.Add(value);
            }
        }

        args.AddRange(spec.ExtraArgs);
        return args;
    }

    /// <summary>Literal environment variables (the token Secret reference is added by the renderer).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> BuildEnvironment(DeploymentSpec spec) =>
        [.. BaseEnvironment, .. OperatorEnvironment(spec)];

    /// <summary>The variables after <see cref="BaseEnvironment"/>: options mapped to variables, then the spec's env.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> OperatorEnvironment(DeploymentSpec spec)
    {
        var env = new List<KeyValuePair<string, string>>();
        foreach (var binding in Options.Where(o => o.EnvVar is not null))
        {
            if (EngineOptionValues.Read(spec, binding.Option) is { } value)
            {
                env.Add(new(binding.EnvVar!, value));
            }
        }

        env.AddRange(spec.Env.OrderBy(e => e.Key, StringComparer.Ordinal));
        return env;
    }

    public bool Supports(EngineOption option) => Options.Any(o => o.Option == option);

    /// <summary>
    /// When <paramref name="flag"/> (without <c>=value</c>) is one the portal sets, the reason to give;
    /// otherwise null. Underscores count as dashes and unambiguous prefixes as the full flag,
    /// as Python's argparse reads them.
    /// </summary>
    public string? WhyFlagIsReserved(string flag)
    {
        var name = flag.Replace('_', '-');
        bool Matches(string reserved) =>
            name == reserved || (name.StartsWith("--", StringComparison.Ordinal) && name.Length > 3 &&
                                 reserved.StartsWith(name, StringComparison.Ordinal));

        if (BaseFlags.FirstOrDefault(Matches) is { } baseFlag)
        {
            return $"{baseFlag} is set by the portal; remove it from the extra arguments.";
        }

        foreach (var binding in Options)
        {
            var flags = binding.Flag is null ? binding.Aliases : [binding.Flag, .. binding.Aliases];
            if (flags.FirstOrDefault(Matches) is { } optionFlag)
            {
                var field = EngineOptionInfo.For(binding.Option).Field;
                return field is null
                    ? $"{optionFlag} is derived by the portal from gpusPerReplica and engine.tensorParallel; remove it."
                    : $"Use the {field} field instead of {optionFlag}.";
            }
        }

        return null;
    }

    /// <summary>When the portal sets <paramref name="name"/> itself, the reason to give; otherwise null.</summary>
    public string? WhyEnvIsReserved(string name)
    {
        if (BaseEnvironment.Any(e => e.Key == name))
        {
            return $"{name} is set by the portal.";
        }

        if (name == HuggingFaceTokenEnv || name == "HUGGING_FACE_HUB_TOKEN")
        {
            return "Put the token in a Secret and name it in huggingFaceTokenSecret instead.";
        }

        return Options.FirstOrDefault(o => o.EnvVar == name) is { } binding
            ? $"Use the {EngineOptionInfo.For(binding.Option).Field} field instead of {name}."
            : null;
    }

    public override string ToString() => Id;
}
