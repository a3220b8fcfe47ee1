using Portal.Domain.Deployments;

namespace Portal.Domain.Engines;

/// <summary>
/// Ollama: <c>ollama serve</c>, configured through environment variables; the model is pulled
/// after start through <c>POST /api/pull</c> (by the portal's job, not a shell hook).
/// </summary>
public sealed class OllamaProfile : EngineProfile
{
    public override string Id => "ollama";

    public override string DisplayName => "Ollama";

    public override string WhenToChoose =>
        "Simple serving of quantized (GGUF) models, on a small GPU or on CPU only; few knobs.";

    public override string Needs => "Optional GPUs; room in the model cache for the pulled model.";

    public override int DisplayOrder => 3;

    public override string ImageRepository => "ollama/ollama";

    public override string DefaultTag => "0.12.3";

    public override int ContainerPort => 11434;

    public override ModelIdFormat ModelIdFormat => ModelIdFormat.Ollama;

    public override bool RequiresGpu => false;

    public override string CacheMountPath => "/root/.ollama";

    // "/" answers as soon as the server listens, before any model is pulled: the portal checks
    // /api/tags itself after the pull. Timings follow the official Ollama Helm chart.
    public override EngineProbes Probes { get; } = new(
        Startup: new("/", PeriodSeconds: 5, FailureThreshold: 60, TimeoutSeconds: 3),
        Readiness: new("/", PeriodSeconds: 5, FailureThreshold: 6, TimeoutSeconds: 3),
        Liveness: new("/", PeriodSeconds: 10, FailureThreshold: 6));

    public override EngineMetricNames Metrics => EngineMetricNames.None;

    public override string? MetricsPath => null;

    public override string? HuggingFaceTokenEnv => null;

    public override string? ModelPullPath => "/api/pull";

    public override bool AcceptsExtraArgs => false;

    public override IReadOnlyList<EngineOptionBinding> Options { get; } =
    [
        new(EngineOption.ContextLength, EnvVar: "OLLAMA_CONTEXT_LENGTH"),
        new(EngineOption.MaxConcurrentSequences, EnvVar: "OLLAMA_NUM_PARALLEL"),
    ];

    public override IReadOnlyList<string> Command => ["/bin/ollama"];

    protected override IReadOnlyList<string> BaseFlags => [];

    public override IReadOnlyList<string> BaseArgs(DeploymentSpec spec) => ["serve"];

    // Listen on all interfaces and keep the model loaded: a serving deployment should not unload after 5 minutes idle.
    public override IReadOnlyList<KeyValuePair<string, string>> BaseEnvironment { get; } =
    [
        new("OLLAMA_HOST", "0.0.0.0:11434"),
        new("OLLAMA_KEEP_ALIVE", "-1"),
    ];

    public override string? SharedMemorySize(DeploymentSpec spec) => null;
}
