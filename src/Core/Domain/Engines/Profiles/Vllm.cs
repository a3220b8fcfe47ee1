namespace Portal.Domain.Engines;

public static partial class EngineProfiles
{
    /// <summary>vLLM's OpenAI-compatible server: <c>vllm serve MODEL --host 0.0.0.0 --port 8000 …</c>.</summary>
    private static EngineProfile NewVllm() => new()
    {
        Id = "vllm",
        DisplayName = "vLLM",
        Tagline = "High-throughput GPU serving",
        WhenToChoose = "High-throughput serving of Hugging Face models on NVIDIA GPUs, with the richest metrics and options.",
        Needs = "One or more NVIDIA GPUs holding the weights plus KV cache; a Hugging Face token for gated models.",
        ImageRepository = "vllm/vllm-openai",
        // The current release (vllm 0.33.0, November 2026), read from the project's releases; see src/Simulator/FIDELITY.md.
        DefaultTag = "v0.33.0",
        ContainerPort = 8000,
        ModelIdFormat = ModelIdFormat.HuggingFace,
        RequiresGpu = true,
        CacheMountPath = "/root/.cache/huggingface",
        // The port refuses connections until weights are loaded and warmed up: 30 minutes of startup budget.
        Probes = new(
            Startup: new("/health", PeriodSeconds: 10, FailureThreshold: 180),
            Readiness: new("/health", PeriodSeconds: 5, FailureThreshold: 3),
            Liveness: new("/health", PeriodSeconds: 10, FailureThreshold: 3)),
        Metrics = new(
            RequestsRunning: "vllm:num_requests_running",
            RequestsWaiting: "vllm:num_requests_waiting",
            TimeToFirstToken: "vllm:time_to_first_token_seconds",
            InterTokenLatency: "vllm:inter_token_latency_seconds",
            EndToEndLatency: "vllm:e2e_request_latency_seconds",
            GenerationTokens: "vllm:generation_tokens_total",
            PromptTokens: "vllm:prompt_tokens_total",
            KvCacheUsage: "vllm:kv_cache_usage_perc")
        {
            // Releases through 0.11 export time_per_output_token (deprecated in 0.11, hidden in 0.12, then removed);
            // inter_token_latency came with 0.10.2 or 0.11 (sources differ), so 0.11 is where both readings agree.
            // vllm/v1/metrics/loggers.py at 0.10 and 0.12 (src/Simulator/FIDELITY.md).
            Renames = [new("vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds", new Version(0, 11))],
        },
        Options =
        [
            new(EngineOption.ServedModelName, "--served-model-name"),
            new(EngineOption.ContextLength, "--max-model-len"),
            new(EngineOption.TensorParallel, "--tensor-parallel-size") { Aliases = ["-tp"] },
            new(EngineOption.PipelineParallel, "--pipeline-parallel-size") { Aliases = ["-pp"] },
            new(EngineOption.GpuMemoryFraction, "--gpu-memory-utilization"),
            new(EngineOption.Dtype, "--dtype") { Choices = ["auto", "half", "float16", "bfloat16", "float", "float32"] },
            new(EngineOption.Quantization, "--quantization")
            {
                Aliases = ["-q"],
                Choices = ["awq", "awq_marlin", "gptq", "gptq_marlin", "marlin", "fp8", "fbgemm_fp8", "bitsandbytes",
                           "gguf", "compressed-tensors", "modelopt", "experts_int8"],
            },
            new(EngineOption.MaxConcurrentSequences, "--max-num-seqs"),
            new(EngineOption.TrustRemoteCode, "--trust-remote-code"),
        ],
        Command = ["vllm", "serve"],
        BaseArgTemplate = ["{model}", "--host", "0.0.0.0", "--port", "{port}"],
        BaseFlags = ["--model", "--host", "--port"],
        BaseEnvironment = [new("VLLM_NO_USAGE_STATS", "1")],
        // Workers of one model copy talk through shared memory once there is more than one GPU.
        SharedMemory = new("20Gi", FromGpus: 2),
    };
}
