namespace Portal.Domain.Deployments;

/// <summary>
/// What an operator asks for: one model served by one framework on the cluster.
/// The JSON form (camelCase) is the REST API's body; every field but name, framework
/// and model has a default.
/// </summary>
public record DeploymentSpec
{
    /// <summary>DNS-1123 label; names the StatefulSet, Service and pods.</summary>
    public string Name { get; init; } = "";

    public string Namespace { get; init; } = "default";

    /// <summary>Engine profile id: <c>vllm</c>, <c>sglang</c> or <c>ollama</c>.</summary>
    public string Framework { get; init; } = "";

    /// <summary>Hugging Face repo id (<c>org/name</c>) or Ollama tag (<c>name[:tag]</c>).</summary>
    public string Model { get; init; } = "";

    /// <summary>The name clients put in the <c>model</c> field; defaults to the model id.</summary>
    public string? ServedModelName { get; init; }

    public int Replicas { get; init; } = 1;

    public int GpusPerReplica { get; init; } = 1;

    /// <summary>GPU product (node label <c>nvidia.com/gpu.product</c>), or null for any.</summary>
    public string? GpuType { get; init; }

    /// <summary>Kubernetes quantities, for example <c>4</c> and <c>32Gi</c>.</summary>
    public string? Cpu { get; init; }

    public string? Memory { get; init; }

    public int? ContextLength { get; init; }

    public EngineOptions Engine { get; init; } = new();

    /// <summary>Extra engine arguments, passed as an argv list, never through a shell.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public PersistenceSpec Persistence { get; init; } = new();

    public ServiceKind ServiceType { get; init; } = ServiceKind.ClusterIP;

    public AutoscalingSpec Autoscaling { get; init; } = new();

    /// <summary>Name of a Secret holding the Hugging Face token (key <c>token</c>).</summary>
    public string? HuggingFaceTokenSecret { get; init; }

    /// <summary>Engine image tag; null for the profile's default.</summary>
    public string? ImageTag { get; init; }

    /// <summary>What reconcile does when the cluster no longer matches this spec (changed or deleted outside the portal).</summary>
    public DriftPolicy DriftPolicy { get; init; } = DriftPolicy.Reapply;

    /// <summary>The name clients use: the served model name, else the model id.</summary>
    public string EffectiveServedModelName =>
        string.IsNullOrWhiteSpace(ServedModelName) ? Model : ServedModelName;
}

/// <summary>The engine options an operator sets; each profile maps the ones it understands to flags.</summary>
public sealed record EngineOptions
{
    public int? TensorParallel { get; init; }

    /// <summary>Fraction of GPU memory the engine may take (vLLM gpu-memory-utilization, SGLang mem-fraction-static).</summary>
    public double? GpuMemoryFraction { get; init; }

    /// <summary><c>auto</c>, <c>bfloat16</c>, <c>float16</c>, <c>float32</c>.</summary>
    public string? Dtype { get; init; }

    /// <summary><c>awq</c>, <c>gptq</c>, <c>fp8</c>, … or null for none.</summary>
    public string? Quantization { get; init; }

    public int? MaxConcurrentSequences { get; init; }

    public bool TrustRemoteCode { get; init; }
}

public sealed record PersistenceSpec
{
    public bool Enabled { get; init; } = true;

    public string Size { get; init; } = "100Gi";

    public string? StorageClass { get; init; }
}

public enum ServiceKind
{
    ClusterIP,
    NodePort,
    LoadBalancer,
}

public enum DriftPolicy
{
    /// <summary>Apply the spec again, so the cluster matches the portal.</summary>
    Reapply,

    /// <summary>Leave the cluster alone and show the difference on the deployment.</summary>
    Report,
}

public enum AutoscalingMode
{
    Off,
    Hpa,
    Keda,
}

public sealed record AutoscalingSpec
{
    public AutoscalingMode Mode { get; init; } = AutoscalingMode.Off;

    /// <summary>Logical metric to scale on, for example <c>requests-waiting</c> or <c>cpu</c>.</summary>
    public string Metric { get; init; } = "requests-waiting";

    public double Target { get; init; } = 5;

    public int MinReplicas { get; init; } = 1;

    public int MaxReplicas { get; init; } = 4;

    /// <summary>
    /// Seconds the signal must stay low before replicas are removed: the HPA's scale-down stabilisation window
    /// (its default is 300 s), and with KEDA also the cooldown before scaling to zero (KEDA's default, 300 s).
    /// </summary>
    public int CooldownSeconds { get; init; } = 300;

    /// <summary>How often KEDA evaluates the triggers (its pollingInterval, in seconds); the HPA's period is the cluster's.</summary>
    public int PollingSeconds { get; init; } = 15;
}
