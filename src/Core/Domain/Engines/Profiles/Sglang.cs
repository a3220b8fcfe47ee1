namespace Portal.Domain.Engines;

public static partial class EngineProfiles
{
    /// <summary>SGLang's server: <c>python3 -m sglang.launch_server --model-path MODEL --host 0.0.0.0 --port 30000 …</c>.</summary>
    private static EngineProfile NewSglang() => new()
    {
        Id = "sglang",
        DisplayName = "SGLang",
        Tagline = "Structured generation and agents",
        WhenToChoose = "Fast serving with RadixAttention prefix caching: chat with long shared prompts, agents, structured output.",
        Needs = "NVIDIA GPUs holding the weights plus KV cache, and several GiB of /dev/shm.",
        ImageRepository = "lmsysorg/sglang",
        DefaultTag = "v0.5.23",
        ContainerPort = 30000,
        ModelIdFormat = ModelIdFormat.HuggingFace,
        RequiresGpu = true,
        CacheMountPath = "/root/.cache/huggingface",
        // /health answers 503 until warm-up ends: 30 minutes of startup budget.
        Probes = new(
            Startup: new("/health", PeriodSeconds: 10, FailureThreshold: 180),
            Readiness: new("/health", PeriodSeconds: 5, FailureThreshold: 3),
            Liveness: new("/health", PeriodSeconds: 10, FailureThreshold: 3)),
        Metrics = new(
            RequestsRunning: "sglang:num_running_reqs",
            RequestsWaiting: "sglang:num_queue_reqs",
            TimeToFirstToken: "sglang:time_to_first_token_seconds",
            InterTokenLatency: "sglang:inter_token_latency_seconds",
            EndToEndLatency: "sglang:e2e_request_latency_seconds",
            GenerationTokens: "sglang:generation_tokens_total",
            PromptTokens: "sglang:prompt_tokens_total",
            KvCacheUsage: "sglang:token_usage"),
        Options =
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
        ],
        Command = ["python3", "-m", "sglang.launch_server"],
        // SGLang binds 127.0.0.1 unless told otherwise and serves /metrics only with --enable-metrics.
        BaseArgTemplate = ["--model-path", "{model}", "--host", "0.0.0.0", "--port", "{port}", "--enable-metrics"],
        BaseFlags = ["--model-path", "--model", "--host", "--port", "--enable-metrics"],
        // SGLang uses shared memory even with one GPU; its docs run containers with --shm-size 32g.
        SharedMemory = new("32Gi"),
    };
}
