using Portal.Domain.Catalog;

namespace Portal.Domain.Tests.Catalog;

/// <summary>Checked against numbers worked out by hand (the arithmetic is in the comments).</summary>
public sealed class GpuMemoryEstimatorTests
{
    private static readonly CatalogModel Qwen72B = ModelCatalog.Find("Qwen/Qwen2.5-72B-Instruct")!;
    private static readonly CatalogModel Qwen7B = ModelCatalog.Find("Qwen/Qwen2.5-7B-Instruct")!;
    private static readonly GpuModel H100 = ModelCatalog.FindGpu("NVIDIA-H100-80GB-HBM3")!;
    private static readonly GpuModel L4 = ModelCatalog.FindGpu("NVIDIA-L4")!;

    private static MemoryEstimate Estimate(CatalogModel model, GpuModel gpu, int gpus, int concurrency = 1) =>
        GpuMemoryEstimator.Estimate(new MemoryEstimateRequest
        {
            Model = model, Dtype = "bfloat16", GpuCount = gpus, GpuMemoryBytes = gpu.MemoryBytes, MemoryFraction = 0.9, Concurrency = concurrency,
        });

    [Fact]
    public void Qwen_72b_in_bf16_does_not_fit_one_80_gb_gpu()
    {
        var estimate = Estimate(Qwen72B, H100, gpus: 1);

        Assert.Equal(145_400_000_000, estimate.WeightsBytes);          // 72.7e9 parameters × 2 bytes
        Assert.Equal(327_680, estimate.KvBytesPerToken);               // 2 (K,V) × 80 layers × 8 KV heads × 128 dims × 2 bytes
        Assert.Equal(10_737_418_240, estimate.KvCacheBytes);           // 327,680 × 32,768 tokens × 1 sequence = 10 GiB
        Assert.Equal(158_284_901_888, estimate.RequiredBytes);         // + 2 GiB overhead × 1 GPU
        Assert.Equal(76_968_728_985, estimate.AvailableBytes);         // 81,559 MiB = 85,520,809,984 B × 0.9
        Assert.False(estimate.Fits);
        Assert.Equal(4, estimate.SuggestedGpuCount);                   // 2 GPUs: 160.4e9 needed > 153.9e9 available
        Assert.Contains("does not fit", estimate.Explanation, StringComparison.Ordinal);
        Assert.Contains("147.4 GiB", estimate.Explanation, StringComparison.Ordinal);
        Assert.Contains("4 GPUs would fit", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen_72b_in_bf16_fits_four_80_gb_gpus()
    {
        var estimate = Estimate(Qwen72B, H100, gpus: 4);

        Assert.Equal(164_727_352_832, estimate.RequiredBytes);         // 145.4e9 + 10 GiB + 4 × 2 GiB
        Assert.Equal(307_874_915_942, estimate.AvailableBytes);        // 4 × 85,520,809,984 × 0.9
        Assert.True(estimate.Fits);
        Assert.Contains("fits.", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen_7b_with_four_full_contexts_needs_two_l4s()
    {
        var estimate = Estimate(Qwen7B, L4, gpus: 1, concurrency: 4);

        Assert.Equal(15_220_000_000, estimate.WeightsBytes);           // 7.61e9 × 2
        Assert.Equal(57_344, estimate.KvBytesPerToken);                // 2 × 28 layers × 4 KV heads × 128 × 2
        Assert.Equal(7_516_192_768, estimate.KvCacheBytes);            // 57,344 × 32,768 × 4 = 7 GiB
        Assert.Equal(24_883_676_416, estimate.RequiredBytes);          // + 2 GiB
        Assert.Equal(21_737_609_625, estimate.AvailableBytes);         // 23,034 MiB × 0.9
        Assert.False(estimate.Fits);
        Assert.Equal(2, estimate.SuggestedGpuCount);
    }

    [Fact]
    public void Quantization_shrinks_the_weights()
    {
        var awq = GpuMemoryEstimator.Estimate(new MemoryEstimateRequest
        {
            Model = Qwen72B, Quantization = "awq", GpuCount = 1, GpuMemoryBytes = H100.MemoryBytes,
        });
        Assert.Equal(36_350_000_000, awq.WeightsBytes);                // 72.7e9 × 0.5
        Assert.True(awq.Fits);
    }

    [Fact]
    public void Nothing_is_suggested_when_no_gpu_count_fits()
    {
        var estimate = GpuMemoryEstimator.Estimate(new MemoryEstimateRequest
        {
            Model = Qwen72B, Dtype = "float32", GpuCount = 1, GpuMemoryBytes = L4.MemoryBytes, MaxGpus = 8,
        });
        Assert.Null(estimate.SuggestedGpuCount);
        Assert.Contains("No count up to 8 GPUs fits", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Ollama_specs_are_estimated_as_4_bit_k_quants()
    {
        var estimate = GpuMemoryEstimator.Estimate(Specs.Ollama with { Model = "qwen2.5:7b", GpusPerReplica = 1 }, Qwen7B, L4);
        Assert.Equal(4.85 / 8, estimate.BytesPerParameter);
        Assert.True(estimate.Fits);
    }
}
