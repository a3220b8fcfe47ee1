using System.Globalization;

namespace Portal.Domain.Catalog;

/// <summary>One open model with the architecture numbers the memory estimate needs.</summary>
public sealed record CatalogModel(
    string Id,
    string? OllamaTag,
    string DisplayName,
    string Family,
    long Parameters,
    int Layers,
    int AttentionHeads,
    int KvHeads,
    int HeadDim,
    int ContextLength,
    string License)
{
    /// <summary>Parameter count as people say it: <c>7.6B</c>, <c>494M</c>.</summary>
    public string Size => Parameters >= 1_000_000_000
        ? (Parameters / 1e9).ToString("0.#", CultureInfo.InvariantCulture) + "B"
        : (Parameters / 1e6).ToString("0", CultureInfo.InvariantCulture) + "M";
}

/// <summary>A GPU product as the node label <c>nvidia.com/gpu.product</c> names it, with its memory.</summary>
public sealed record GpuModel(string Product, string DisplayName, long MemoryMiB)
{
    public long MemoryBytes => MemoryMiB * 1024 * 1024;
}
