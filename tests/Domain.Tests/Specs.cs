using Portal.Domain.Deployments;

namespace Portal.Domain.Tests;

/// <summary>Valid example specs, one per framework; tests change one thing at a time.</summary>
internal static class Specs
{
    public static DeploymentSpec Vllm { get; } = new()
    {
        Name = "qwen-7b",
        Namespace = "models",
        Framework = "vllm",
        Model = "Qwen/Qwen2.5-7B-Instruct",
        ServedModelName = "qwen2.5-7b",
        Replicas = 2,
        GpusPerReplica = 2,
        GpuType = "NVIDIA-H100-80GB-HBM3",
        Cpu = "8",
        Memory = "64Gi",
        ContextLength = 32768,
        Engine = new EngineOptions { TensorParallel = 2, GpuMemoryFraction = 0.9, Dtype = "bfloat16", MaxConcurrentSequences = 128 },
        ExtraArgs = ["--enable-prefix-caching", "--max-num-batched-tokens=8192"],
        Env = new Dictionary<string, string> { ["VLLM_LOGGING_LEVEL"] = "INFO" },
        Persistence = new PersistenceSpec { Enabled = true, Size = "200Gi", StorageClass = "fast-ssd" },
        ServiceType = ServiceKind.ClusterIP,
        Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Hpa, Metric = "requests-waiting", Target = 5, MinReplicas = 2, MaxReplicas = 6 },
        HuggingFaceTokenSecret = "hf-token",
    };

    public static DeploymentSpec Sglang { get; } = new()
    {
        Name = "llama-8b",
        Namespace = "models",
        Framework = "sglang",
        Model = "meta-llama/Llama-3.1-8B-Instruct",
        Replicas = 1,
        GpusPerReplica = 1,
        Cpu = "4",
        Memory = "32Gi",
        ContextLength = 16384,
        Engine = new EngineOptions { GpuMemoryFraction = 0.85, Quantization = "fp8", TrustRemoteCode = true },
        Persistence = new PersistenceSpec { Enabled = true, Size = "100Gi" },
        ServiceType = ServiceKind.LoadBalancer,
        Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Keda, Metric = "requests-waiting", Target = 10, MinReplicas = 0, MaxReplicas = 3 },
        HuggingFaceTokenSecret = "hf-token",
    };

    public static DeploymentSpec Ollama { get; } = new()
    {
        Name = "qwen-small",
        Namespace = "default",
        Framework = "ollama",
        Model = "qwen2.5:0.5b",
        Replicas = 1,
        GpusPerReplica = 0,
        Cpu = "2",
        Memory = "4Gi",
        ContextLength = 8192,
        Engine = new EngineOptions { MaxConcurrentSequences = 4 },
        Env = new Dictionary<string, string> { ["OLLAMA_FLASH_ATTENTION"] = "1" },
        Persistence = new PersistenceSpec { Enabled = true, Size = "20Gi" },
        ServiceType = ServiceKind.NodePort,
        Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Off },
    };

    public static IReadOnlyList<DeploymentSpec> All { get; } = [Vllm, Sglang, Ollama];

    public static DeploymentSpec For(string framework) => All.Single(s => s.Framework == framework);

    public static TheoryData<string> Frameworks => new("vllm", "sglang", "ollama");
}
