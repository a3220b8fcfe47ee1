using System.Globalization;
using Portal.Domain.Deployments;

namespace Portal.Domain.Engines;

/// <summary>The spec's engine-level settings that profiles map to flags or environment variables.</summary>
public enum EngineOption
{
    ServedModelName,
    ContextLength,
    TensorParallel,

    /// <summary>Derived: GPUs per replica ÷ tensor parallel, as pipeline stages (vLLM).</summary>
    PipelineParallel,

    /// <summary>Derived: GPUs per replica ÷ tensor parallel, as data-parallel workers (SGLang).</summary>
    DataParallel,
    GpuMemoryFraction,
    Dtype,
    Quantization,
    MaxConcurrentSequences,
    TrustRemoteCode,
}

/// <summary>How one profile passes an option to its engine: a flag, an environment variable, or both.</summary>
public sealed record EngineOptionBinding(EngineOption Option, string? Flag = null, string? EnvVar = null)
{
    /// <summary>Other spellings of the flag the engine accepts (reserved too).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>Allowed values; empty when free-form within the option's own rules.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];
}

/// <summary>What the wizard shows for an option, and where it lives in the spec's JSON.</summary>
public sealed record EngineOptionInfo(EngineOption Option, string? Field, string Label, string Help, bool IsSwitch = false)
{
    private static readonly Dictionary<EngineOption, EngineOptionInfo> All = new EngineOptionInfo[]
    {
        new(EngineOption.ServedModelName, "servedModelName", "Served model name",
            "The name clients send in the 'model' field; defaults to the model id."),
        new(EngineOption.ContextLength, "contextLength", "Context length",
            "Maximum tokens per sequence (prompt + output); defaults to the model's own."),
        new(EngineOption.TensorParallel, "engine.tensorParallel", "Tensor parallel",
            "GPUs one model copy is split across; must divide the GPUs per replica. Defaults to all of them."),
        new(EngineOption.PipelineParallel, null, "Pipeline parallel",
            "Set by the portal: GPUs per replica ÷ tensor parallel."),
        new(EngineOption.DataParallel, null, "Data parallel",
            "Set by the portal: GPUs per replica ÷ tensor parallel."),
        new(EngineOption.GpuMemoryFraction, "engine.gpuMemoryFraction", "GPU memory fraction",
            "Share of each GPU's memory the engine may use for weights and KV cache (0–1)."),
        new(EngineOption.Dtype, "engine.dtype", "Data type",
            "Weights and activations precision; 'auto' takes the checkpoint's."),
        new(EngineOption.Quantization, "engine.quantization", "Quantization",
            "Quantization method of the checkpoint; empty for none or auto-detect."),
        new(EngineOption.MaxConcurrentSequences, "engine.maxConcurrentSequences", "Max concurrent sequences",
            "Requests processed at once per replica; more waits in the queue."),
        new(EngineOption.TrustRemoteCode, "engine.trustRemoteCode", "Trust remote code",
            "Allow the model repository's own Python code to run; only for repositories you trust.", IsSwitch: true),
    }.ToDictionary(i => i.Option);

    public static EngineOptionInfo For(EngineOption option) => All[option];
}

/// <summary>Reads an option's value from a spec as the engine wants it; null when unset.</summary>
public static class EngineOptionValues
{
    public static string? Read(DeploymentSpec spec, EngineOption option) => option switch
    {
        EngineOption.ServedModelName => string.IsNullOrWhiteSpace(spec.ServedModelName) ? null : spec.ServedModelName,
        EngineOption.ContextLength => Format(spec.ContextLength),
        EngineOption.TensorParallel => EffectiveTensorParallel(spec) is > 1 and var tp ? Format(tp) : null,
        EngineOption.PipelineParallel or EngineOption.DataParallel =>
            ParallelRemainder(spec) is > 1 and var rest ? Format(rest) : null,
        EngineOption.GpuMemoryFraction => spec.Engine.GpuMemoryFraction?.ToString(CultureInfo.InvariantCulture),
        EngineOption.Dtype => string.IsNullOrWhiteSpace(spec.Engine.Dtype) ? null : spec.Engine.Dtype,
        EngineOption.Quantization => string.IsNullOrWhiteSpace(spec.Engine.Quantization) ? null : spec.Engine.Quantization,
        EngineOption.MaxConcurrentSequences => Format(spec.Engine.MaxConcurrentSequences),
        EngineOption.TrustRemoteCode => spec.Engine.TrustRemoteCode ? "true" : null,
        _ => throw new ArgumentOutOfRangeException(nameof(option), option, null),
    };

    /// <summary>Whether the operator set the option explicitly (derived options never are).</summary>
    public static bool IsSetByOperator(DeploymentSpec spec, EngineOption option) => option switch
    {
        EngineOption.TensorParallel => spec.Engine.TensorParallel is not null,
        EngineOption.PipelineParallel or EngineOption.DataParallel => false,
        _ => Read(spec, option) is not null,
    };

    /// <summary>Tensor parallel as set, else every GPU of the replica.</summary>
    public static int EffectiveTensorParallel(DeploymentSpec spec) =>
        spec.Engine.TensorParallel ?? Math.Max(1, spec.GpusPerReplica);

    private static int ParallelRemainder(DeploymentSpec spec)
    {
        var tp = EffectiveTensorParallel(spec);
        return tp > 0 && spec.GpusPerReplica % tp == 0 ? spec.GpusPerReplica / tp : 1;
    }

    private static string? Format(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
