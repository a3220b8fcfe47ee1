using Portal.Domain.Catalog;
using Portal.Domain.Engines;

namespace Portal.Domain.Tests.Catalog;

public sealed class ModelCatalogTests
{
    [Fact]
    public void Catalog_holds_at_least_twelve_models_with_unique_ids()
    {
        Assert.True(ModelCatalog.Models.Count >= 12, $"{ModelCatalog.Models.Count} models");
        Assert.Equal(ModelCatalog.Models.Count, ModelCatalog.Models.Select(m => m.Id).Distinct().Count());
    }

    [Fact]
    public void Every_entry_is_usable_by_the_engines_and_the_estimator()
    {
        Assert.All(ModelCatalog.Models, m =>
        {
            Assert.True(ModelIds.IsValid(ModelIdFormat.HuggingFace, m.Id), m.Id);
            Assert.True(m.OllamaTag is null || ModelIds.IsValid(ModelIdFormat.Ollama, m.OllamaTag), m.OllamaTag);
            Assert.True(m.Parameters > 100_000_000 && m.Layers > 0 && m.HeadDim > 0 && m.ContextLength >= 2048, m.Id);
            Assert.True(m.AttentionHeads % m.KvHeads == 0, $"{m.Id}: attention heads must be a multiple of KV heads");
            Assert.False(string.IsNullOrWhiteSpace(m.License), m.Id);
        });
    }

    [Fact]
    public void Catalog_spans_small_to_large_models()
    {
        Assert.Contains(ModelCatalog.Models, m => m.Parameters < 1_000_000_000);
        Assert.Contains(ModelCatalog.Models, m => m.Parameters > 70_000_000_000);
        Assert.Equal(["deepseek-r1", "gemma2", "llama3.1", "llama3.2", "mistral", "phi3", "qwen2.5"],
            ModelCatalog.Models.Select(m => m.Family).Distinct().Order());
    }

    [Fact]
    public void Find_accepts_a_hugging_face_id_or_an_ollama_tag()
    {
        var byId = ModelCatalog.Find("qwen/qwen2.5-72b-instruct");
        Assert.NotNull(byId);
        Assert.Same(byId, ModelCatalog.Find("qwen2.5:72b"));
        Assert.Equal((80, 64, 8, 128), (byId.Layers, byId.AttentionHeads, byId.KvHeads, byId.HeadDim));
        Assert.Null(ModelCatalog.Find("nobody/nothing"));
        Assert.Null(ModelCatalog.Find(""));
    }

    [Fact]
    public void Search_matches_every_word()
    {
        Assert.Equal(["meta-llama/Llama-3.1-8B-Instruct", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B"],
            ModelCatalog.Search("llama 8b").Select(m => m.Id));
        Assert.Equal(ModelCatalog.Models.Count, ModelCatalog.Search("  ").Count);
        Assert.Empty(ModelCatalog.Search("qwen 405b"));
    }

    [Fact]
    public void Gpus_are_found_by_their_node_label()
    {
        var h100 = ModelCatalog.FindGpu("NVIDIA-H100-80GB-HBM3");
        Assert.NotNull(h100);
        Assert.Equal(81559L * 1024 * 1024, h100.MemoryBytes);
    }
}
