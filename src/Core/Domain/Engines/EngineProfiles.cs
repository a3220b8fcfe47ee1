using System.Diagnostics.CodeAnalysis;

namespace Portal.Domain.Engines;

/// <summary>The engine profiles (one file each under <c>Profiles/</c>), in the order people see them.</summary>
public static partial class EngineProfiles
{
    // Built here, in this order, so the lists below never see a profile before it exists.
    public static EngineProfile Vllm { get; } = NewVllm();

    public static EngineProfile Sglang { get; } = NewSglang();

    public static EngineProfile Ollama { get; } = NewOllama();

    private static readonly IReadOnlyList<EngineProfile> Profiles = [Vllm, Sglang, Ollama];

    private static readonly Dictionary<string, EngineProfile> ById =
        Profiles.ToDictionary(p => p.Id, StringComparer.Ordinal);

    /// <summary>Every profile, in display order.</summary>
    public static IReadOnlyList<EngineProfile> All => Profiles;

    public static IEnumerable<string> Ids => Profiles.Select(p => p.Id);

    public static bool TryGet(string? framework, [NotNullWhen(true)] out EngineProfile? profile)
    {
        profile = null;
        return framework is not null && ById.TryGetValue(framework, out profile);
    }

    public static EngineProfile Get(string framework) =>
        TryGet(framework, out var profile)
            ? profile
            : throw new ArgumentException(
                $"Unknown framework '{framework}'; known: {string.Join(", ", Ids)}.", nameof(framework));
}
