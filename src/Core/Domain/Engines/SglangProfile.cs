using Portal.Domain.Deployments;

namespace Portal.Domain.Engines;

/// <summary>SGLang's server: <c>python3 -m sglang.launch_server --model-path MODEL --host 0.0.0.0 --port 30000 …</c>.</summary>
public sealed class SglangProfile : EngineProfile
{
    public override string Id => "sglang";

    public override string DisplayName => "SGLang";

    public override string WhenToChoose =>
        "Fast serving with RadixAttention prefix caching: chat with long shared prompts, agents, structured output.";

    public override string Needs => "NVIDIA GPUs holding the weights plus KV cache, and several GiB of /dev/shm.";

    public override int DisplayOrder => 2;

    public override string ImageRepository => "lmsysorg/sglang";

    public override string DefaultTag => "v0.4.10.post2";

    public override int ContainerPort => 30000;

    public override ModelIdFormat ModelIdFormat => ModelIdFormat.HuggingFace;

    public override bool RequiresGpu => true;

    public override string CacheMountPath => "/root/.cache/huggingface";

    // /health answers 503 until warm-up ends: 30 minutes of startup budget.
    public override EngineProbes Probes { get; } = new(
        Startup: new("/health", PeriodSeconds: 10, FailureThreshold: 180),
        Readiness: new("/health", PeriodSeconds: 5, FailureThreshold: 3),
        Liveness: new("/health", PeriodSeconds: 10, FailureThreshold: 3));

    public override EngineMetricNames Metrics { get; } = new(
        RequestsRunning: "sglang:num_running_reqs",
        RequestsWaiting: "sglang:num_queue_reqs",
        TimeToFirstToken: "sglang:time_to_first_token_seconds",
        InterTokenLatency: "sglang:inter_token_latency_seconds",
        EndToEndLatency: "sglang:e2e_request_latency_seconds",
        GenerationTokens: "sglang:generation_tokens_total",
        PromptTokens: "sglang:prompt_tokens_total",
        KvCacheUsage: "sglang:token_usage");

    public override IReadOnlyList<EngineOptionBinding> Options { get; } =
    [
        new(EngineOption.ServedModelName, "--served-model-name"),
        new(EngineOption.ContextLength, "--context-length"),
        new(EngineOption.TensorParallel, "--tp-size") { Aliases = ["--tp", "--tensor-parallel-size"] },
        new(EngineOption.DataParallel, "--dp-size") { Aliases = ["--dp", "--data-parallel-size"] },
        new(EngineOption.GpuMemoryFraction, "--mem-fraction-static"),
        new(EngineOption.Dtype, "--dtype") { Choices = ["auto", "half", "float16", "bfloat16", "float", "float32"] },
        new(EngineOption.Quantization, "--quantization")
        {
            Choices = ["awq", "awq_marlin", "gptq", "gptq_marlin", "marlin", "fp8", "w8a8_int8", "w8a8_fp8",
                       "bitsandbytes", "gguf", "compressed-tensors", "modelopt"],
        },
        new(EngineOption.MaxConcurrentSequences, "--max-running-requests"),
        new(EngineOption.TrustRemoteCode, "--trust-remote-code"),
    ];

    public override IReadOnlyList<string> Command => ["python3", "-m", "sglang.launch_server"];

    protected override IReadOnlyList<string> BaseFlags => ["--model-path", "--model", "--host", "--port", "--enable-metrics"];

    // SGLang binds 127.0.0.1 unless told otherwise and serves /metrics only with --enable-metrics.
    public override IReadOnlyList<string> BaseArgs(DeploymentSpec spec) =>
        ["--model-path", spec.Model, "--host", "0.0.0.0", "--port", Invariant(ContainerPort), "--enable-metrics"];

    // SGLang uses shared memory even with one GPU; its docs run containers with --shm-size 32g.
    public override string? SharedMemorySize(DeploymentSpec spec) => "32Gi";
}
