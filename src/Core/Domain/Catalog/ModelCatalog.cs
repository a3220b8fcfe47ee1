using System.Text.Json;

namespace Portal.Domain.Catalog;

/// <summary>The built-in catalog of popular open models and GPU products (embedded <c>models.json</c>).</summary>
public static class ModelCatalog
{
    private const string ResourceName = "Portal.Domain.Catalog.models.json";

    private static readonly Lazy<CatalogFile> File = new(Load);

    public static IReadOnlyList<CatalogModel> Models => File.Value.Models;

    public static IReadOnlyList<GpuModel> Gpus => File.Value.Gpus;

    /// <summary>Models matching every word of <paramref name="text"/> in id, Ollama tag, name or family; all when empty.</summary>
    public static IReadOnlyList<CatalogModel> Search(string? text)
    {
        var words = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return Models
            .Where(m => words.All(w =>
                m.Id.Contains(w, StringComparison.OrdinalIgnoreCase)
                || (m.OllamaTag?.Contains(w, StringComparison.OrdinalIgnoreCase) ?? false)
                || m.DisplayName.Contains(w, StringComparison.OrdinalIgnoreCase)
                || m.Family.Contains(w, StringComparison.OrdinalIgnoreCase)))
            .ToArray();
    }

    /// <summary>The model with this Hugging Face id or Ollama tag (case-insensitive), or null.</summary>
    public static CatalogModel? Find(string? idOrTag) =>
        string.IsNullOrWhiteSpace(idOrTag)
            ? null
            : Models.FirstOrDefault(m =>
                string.Equals(m.Id, idOrTag, StringComparison.OrdinalIgnoreCase)
                || string.Equals(m.OllamaTag, idOrTag, StringComparison.OrdinalIgnoreCase));

    /// <summary>The GPU with this product label (case-insensitive), or null.</summary>
    public static GpuModel? FindGpu(string? product) =>
        Gpus.FirstOrDefault(g => string.Equals(g.Product, product, StringComparison.OrdinalIgnoreCase));

    private static CatalogFile Load()
    {
        using var stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        return JsonSerializer.Deserialize<CatalogFile>(stream, JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException($"{ResourceName} is empty.");
    }

    private sealed record CatalogFile(IReadOnlyList<CatalogModel> Models, IReadOnlyList<GpuModel> Gpus);
}
