using System.Globalization;
using Portal.Domain.Deployments;

namespace Portal.Domain.Catalog;

/// <summary>What to estimate: a model, how it is stored, how much context it serves, and on which GPUs.</summary>
public sealed record MemoryEstimateRequest
{
    public required CatalogModel Model { get; init; }

    /// <summary><c>auto</c>/null (the checkpoint's 16-bit), <c>bfloat16</c>, <c>float16</c>, <c>float32</c>.</summary>
    public string? Dtype { get; init; }

    /// <summary>Quantization method (<c>awq</c>, <c>fp8</c>, <c>q4_k_m</c>, …) or null for none.</summary>
    public string? Quantization { get; init; }

    /// <summary>Tokens per sequence; null for the model's default context.</summary>
    public int? ContextLength { get; init; }

    /// <summary>Sequences held in the KV cache at once, each at full context.</summary>
    public int Concurrency { get; init; } = 1;

    public int GpuCount { get; init; } = 1;

    public required long GpuMemoryBytes { get; init; }

    /// <summary>Share of each GPU the engine may use (vLLM gpu-memory-utilization).</summary>
    public double MemoryFraction { get; init; } = 0.9;

    /// <summary>Largest GPU count to suggest.</summary>
    public int MaxGpus { get; init; } = 8;
}

/// <summary>The numbers behind "does it fit", and a sentence that shows them.</summary>
public sealed record MemoryEstimate(
    long WeightsBytes,
    double BytesPerParameter,
    long KvBytesPerToken,
    long KvCacheBytes,
    long OverheadBytes,
    long RequiredBytes,
    long AvailableBytes,
    bool Fits,
    int? SuggestedGpuCount,
    string Explanation);

/// <summary>
/// Estimates GPU memory for serving a model: weights (parameters × bytes per parameter),
/// KV cache (2 × layers × KV heads × head dim × 2 bytes per token, times context × concurrency)
/// and a fixed runtime overhead per GPU (CUDA context, activations, CUDA graphs).
/// </summary>
public static class GpuMemoryEstimator
{
    public const long GiB = 1024L * 1024 * 1024;

    /// <summary>CUDA context, activation buffers and CUDA graphs, per GPU.</summary>
    public const long RuntimeOverheadPerGpuBytes = 2 * GiB;

    /// <summary>Ollama's default tags are 4-bit K-quants.</summary>
    public const string OllamaDefaultQuantization = "q4_k_m";

    private const int KvCacheBytesPerValue = 2;

    private static readonly int[] GpuCounts = [1, 2, 4, 8, 16];

    public static MemoryEstimate Estimate(MemoryEstimateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.GpuCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.GpuMemoryBytes);

        var model = request.Model;
        var (bytesPerParameter, precision) = BytesPerParameter(request.Dtype, request.Quantization);
        var weights = (long)Math.Ceiling(model.Parameters * bytesPerParameter);
        var kvPerToken = KvBytesPerToken(model);
        var context = request.ContextLength ?? model.ContextLength;
        var kvCache = kvPerToken * context * request.Concurrency;
        var fixedBytes = weights + kvCache;

        var (required, available, fits) = Check(fixedBytes, request.GpuCount, request);
        var suggested = GpuCounts
            .Where(n => n <= request.MaxGpus && model.AttentionHeads % n == 0)
            .Cast<int?>()
            .FirstOrDefault(n => Check(fixedBytes, n!.Value, request).Fits);

        var explanation = Explain(request, precision, bytesPerParameter, weights, kvPerToken, context, kvCache, required, available, fits, suggested);

        return new MemoryEstimate(weights, bytesPerParameter, kvPerToken, kvCache,
            RuntimeOverheadPerGpuBytes * request.GpuCount, required, available, fits, suggested, explanation);
    }

    /// <summary>The estimate for a spec: its dtype, quantization, context and concurrency on its GPUs.</summary>
    public static MemoryEstimate Estimate(DeploymentSpec spec, CatalogModel model, GpuModel gpu) => Estimate(new MemoryEstimateRequest
    {
        Model = model,
        Dtype = spec.Engine.Dtype,
        Quantization = spec.Engine.Quantization ?? (spec.Framework == "ollama" ? OllamaDefaultQuantization : null),
        ContextLength = spec.ContextLength,
        Concurrency = 1,
        GpuCount = Math.Max(1, spec.GpusPerReplica),
        GpuMemoryBytes = gpu.MemoryBytes,
        MemoryFraction = spec.Engine.GpuMemoryFraction ?? 0.9,
    });

    /// <summary>Keys and values of every layer, per token.</summary>
    public static long KvBytesPerToken(CatalogModel model) =>
        2L * model.Layers * model.KvHeads * model.HeadDim * KvCacheBytesPerValue;

    /// <summary>Bytes per parameter and a name for the precision; an unknown quantization counts as unquantized.</summary>
    public static (double Bytes, string Precision) BytesPerParameter(string? dtype, string? quantization) =>
        quantization?.ToLowerInvariant() switch
        {
            "awq" or "awq_marlin" or "gptq" or "gptq_marlin" or "marlin" or "bitsandbytes" => (0.5, $"4-bit {quantization}"),
            "fp8" or "fbgemm_fp8" or "w8a8_fp8" or "w8a8_int8" or "experts_int8" => (1, $"8-bit {quantization}"),
            "q4_0" => (4.5 / 8, "Q4_0"),
            "q4_k_m" or "gguf" => (4.85 / 8, "Q4_K_M"),
            "q8_0" => (8.5 / 8, "Q8_0"),
            "f16" => (2, "F16"),
            _ => dtype?.ToLowerInvariant() switch
            {
                "float32" or "float" => (4, "float32"),
                "float16" or "half" => (2, "float16"),
                _ => (2, "bfloat16"),
            },
        };

    private static (long Required, long Available, bool Fits) Check(long fixedBytes, int gpus, MemoryEstimateRequest request)
    {
        var required = fixedBytes + RuntimeOverheadPerGpuBytes * gpus;
        var available = (long)(gpus * request.GpuMemoryBytes * request.MemoryFraction);
        return (required, available, required <= available);
    }

    private static string Explain(
        MemoryEstimateRequest request, string precision, double bytesPerParameter, long weights, long kvPerToken,
        int context, long kvCache, long required, long available, bool fits, int? suggested)
    {
        var model = request.Model;
        var gpus = request.GpuCount;
        var text = FormattableString.Invariant(
            $"{model.DisplayName} in {precision} needs {Gib(required)}: weights {Gib(weights)} ({model.Size} parameters × {bytesPerParameter:0.###} bytes), ") +
            FormattableString.Invariant(
            $"KV cache {Gib(kvCache)} ({kvPerToken / 1024.0:0.#} KiB per token × {context:N0} tokens × {Plural(request.Concurrency, "sequence")}), ") +
            FormattableString.Invariant(
            $"runtime overhead {Gib(RuntimeOverheadPerGpuBytes * gpus)}. {Plural(gpus, "GPU")} × {Gib(request.GpuMemoryBytes)} × {request.MemoryFraction:0.00} = {Gib(available)} available: ") +
            (fits ? "fits." : "does not fit.");
        return suggested switch
        {
            null => text + $" No count up to {request.MaxGpus} GPUs fits; choose a quantized variant or larger GPUs.",
            var n when n != gpus => text + $" {Plural(n.Value, "GPU")} would {(fits ? "also " : "")}fit.",
            _ => text,
        };
    }

    private static string Plural(int count, string noun) => FormattableString.Invariant($"{count} {noun}{(count == 1 ? "" : "s")}");

    private static string Gib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)GiB:0.0} GiB");
}
