using System.Diagnostics.CodeAnalysis;

namespace Portal.Domain.Engines;

/// <summary>The registry of engine profiles: every concrete <see cref="EngineProfile"/> in this assembly.</summary>
public static class EngineProfiles
{
    private static readonly IReadOnlyList<EngineProfile> Profiles = typeof(EngineProfile).Assembly
        .GetTypes()
        .Where(t => t.IsSubclassOf(typeof(EngineProfile)) && !t.IsAbstract)
        .Select(t => (EngineProfile)Activator.CreateInstance(t)!)
        .OrderBy(p => p.DisplayOrder)
        .ToArray();

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
