namespace Portal.Simulator.Engines;

/// <summary>
/// How fast one engine serves, in units of <see cref="EngineSettings.InterTokenLatency"/> (vLLM's decode step with
/// one request running) so tests can shrink every figure at once. With <c>step = InterTokenLatency</c>:
/// <list type="bullet">
/// <item>decode step with <c>b</c> requests running: <c>D(b) = step × StepScale × (1 + BatchSlope × (b − 1))</c>; every
/// running request gets one token per step, so inter-token latency is <c>D(b)</c>;</item>
/// <item>prefill of <c>n</c> uncached prompt tokens: <c>step × StepScale × PrefillStepsPerToken × n</c>;</item>
/// <item>time to first token after admission: <c>TimeToFirstToken + prefill + D(b)</c>.</item>
/// </list>
/// The figures and their sources are in <c>src/Simulator/FIDELITY.md</c> (Performance profiles).
/// </summary>
internal sealed record PerformanceProfile(
    string Name,
    double StepScale,
    double BatchSlope,
    double PrefillStepsPerToken,
    bool PrefixCacheByDefault)
{
    /// <summary>
    /// vLLM, Llama-3.1-8B on one H100: 634.9 output tok/s at concurrency 5 and 3141.2 at 50 (vLLM V1 0.9.0, evalscope,
    /// 5–10k-token prompts) give D(5) = 7.9 ms and D(50) = 15.9 ms: 0.178 ms per extra sequence on a 7.2 ms step.
    /// </summary>
    public static readonly PerformanceProfile Vllm = new("vllm", StepScale: 1.0, BatchSlope: 0.025, PrefillStepsPerToken: 0.01, PrefixCacheByDefault: true);

    /// <summary>SGLang 0.4.9 on the same benchmark: 666.5 tok/s at 5 and 3077.7 at 50: D(5) = 7.5 ms, D(50) = 16.2 ms.</summary>
    public static readonly PerformanceProfile Sglang = new("sglang", StepScale: 0.93, BatchSlope: 0.029, PrefillStepsPerToken: 0.01, PrefixCacheByDefault: true);

    /// <summary>Ollama (llama.cpp): no published figure on this hardware was found; the values are assumptions (see FIDELITY.md).</summary>
    public static readonly PerformanceProfile Ollama = new("ollama", StepScale: 0.93, BatchSlope: 0.10, PrefillStepsPerToken: 0.03, PrefixCacheByDefault: false);

    public static PerformanceProfile For(Framework framework) => framework switch
    {
        Framework.Sglang => Sglang,
        Framework.Ollama => Ollama,
        _ => Vllm,
    };

    public TimeSpan DecodeStep(EngineSettings settings, int running) =>
        settings.InterTokenLatency * (StepScale * (1 + BatchSlope * Math.Max(0, running - 1)));

    public TimeSpan Prefill(EngineSettings settings, int uncachedTokens) =>
        settings.InterTokenLatency * (StepScale * PrefillStepsPerToken * Math.Max(0, uncachedTokens));

    /// <summary>Requests running at saturation: the batch limit, or fewer when the KV cache cannot hold that many whole requests.</summary>
    public static int SaturationBatch(EngineCapacity capacity, int promptTokens, int outputTokens) =>
        (int)Math.Clamp(capacity.KvCacheTokens / Math.Max(1, promptTokens + outputTokens), 1, capacity.MaxBatch);

    /// <summary>
    /// The request-rate ceiling for requests of <paramref name="promptTokens"/> in and <paramref name="outputTokens"/> out,
    /// none of them cached: <c>b / (TimeToFirstToken + prefill(P) + O × D(b))</c> with <c>b</c> the saturation batch.
    /// </summary>
    public double SaturationRequestsPerSecond(EngineSettings settings, EngineCapacity capacity, int promptTokens, int outputTokens)
    {
        var batch = SaturationBatch(capacity, promptTokens, outputTokens);
        var perRequest = settings.TimeToFirstToken + Prefill(settings, promptTokens) + DecodeStep(settings, batch) * outputTokens;
        return batch / perRequest.TotalSeconds;
    }

    /// <summary>Output tokens per second at the same ceiling.</summary>
    public double SaturationTokensPerSecond(EngineSettings settings, EngineCapacity capacity, int promptTokens, int outputTokens) =>
        SaturationRequestsPerSecond(settings, capacity, promptTokens, outputTokens) * outputTokens;
}

/// <summary>How much one engine can hold at once: running requests and KV-cache tokens.</summary>
internal sealed record EngineCapacity(int MaxBatch, long KvCacheTokens)
{
    private const double MiBPerBillionParameters = 1e9 * 2 / (1024 * 1024);

    /// <summary>
    /// KV tokens that fit beside the weights: <c>(GPU MiB × GPUs × memory fraction − 2 bytes × parameters) / KV per token</c>,
    /// with 128 KiB of KV per token for an 8B model (Llama-3-8B: 32 layers × 8 KV heads × 128 × K and V × 2 bytes) scaled by size.
    /// </summary>
    public static long KvTokensFor(string? model, long gpuMemoryMiB, int gpus, double memoryFraction)
    {
        var billions = ModelSize.Billions(model);
        var free = gpuMemoryMiB * Math.Max(1, gpus) * memoryFraction - billions * MiBPerBillionParameters;
        var kvMiBPerToken = 0.125 * billions / 8;
        return (long)Math.Max(1024, free / kvMiBPerToken);
    }
}

/// <summary>A model's parameter count read from its name (<c>Qwen2.5-7B-Instruct</c>, <c>qwen2.5:0.5b</c>); 7B when the name says none.</summary>
internal static partial class ModelSize
{
    public static double Billions(string? model)
    {
        var match = model is null ? null : SizePattern().Match(model);
        return match is { Success: true } ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 7;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(\d+(?:\.\d+)?)[bB](?![a-zA-Z])")]
    private static partial System.Text.RegularExpressions.Regex SizePattern();
}
