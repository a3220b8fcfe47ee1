namespace Portal.Domain.Engines;

public static partial class EngineProfiles
{
    /// <summary>
    /// Ollama: <c>ollama serve</c>, configured through environment variables; the model is pulled after start
    /// through <c>POST /api/pull</c> (by the portal's job, not a shell hook).
    /// </summary>
    private static EngineProfile NewOllama() => new()
    {
        Id = "ollama",
        DisplayName = "Ollama",
        Tagline = "Light CPU-or-GPU edge runtime",
        WhenToChoose = "Simple serving of quantized (GGUF) models, on a small GPU or on CPU only; few knobs.",
        Needs = "Optional GPUs; room in the model cache for the pulled model.",
        ImageRepository = "ollama/ollama",
        DefaultTag = "0.32.15",
        ContainerPort = 11434,
        ModelIdFormat = ModelIdFormat.Ollama,
        RequiresGpu = false,
        CacheMountPath = "/root/.ollama",
        // "/" answers as soon as the server listens, before any model is pulled: the portal checks
        // /api/tags itself after the pull. Timings follow the official Ollama Helm chart.
        Probes = new(
            Startup: new("/", PeriodSeconds: 5, FailureThreshold: 60, TimeoutSeconds: 3),
            Readiness: new("/", PeriodSeconds: 5, FailureThreshold: 6, TimeoutSeconds: 3),
            Liveness: new("/", PeriodSeconds: 10, FailureThreshold: 6)),
        Metrics = EngineMetricNames.None,
        MetricsPath = null,
        HuggingFaceTokenEnv = null,
        ModelPullPath = "/api/pull",
        AcceptsExtraArgs = false,
        Options =
        [
            new(EngineOption.ContextLength, EnvVar: "OLLAMA_CONTEXT_LENGTH"),
            new(EngineOption.MaxConcurrentSequences, EnvVar: "OLLAMA_NUM_PARALLEL"),
        ],
        Command = ["/bin/ollama"],
        BaseArgTemplate = ["serve"],
        // Listen on all interfaces and keep the model loaded: a serving deployment should not unload after 5 minutes idle.
        BaseEnvironment = [new("OLLAMA_HOST", "0.0.0.0:11434"), new("OLLAMA_KEEP_ALIVE", "-1")],
    };
}
