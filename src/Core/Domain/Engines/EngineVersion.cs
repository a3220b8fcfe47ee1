using System.Text.RegularExpressions;

namespace Portal.Domain.Engines;

/// <summary>The release an engine image tag names: <c>v0.33.0</c>, <c>0.32.15</c>, <c>v0.4.10.post2</c> (null for <c>latest</c> or a digest).</summary>
public static partial class EngineVersion
{
    public static Version? Of(string? tag)
    {
        var match = tag is null ? null : Release().Match(tag);
        return match is { Success: true } && Version.TryParse(match.Groups[1].Value, out var version) ? version : null;
    }

    /// <summary>Whether <paramref name="tag"/> is at least <paramref name="release"/>; an unknown tag counts as current.</summary>
    public static bool AtLeast(string? tag, Version release) => Of(tag) is not { } version || version >= release;

    [GeneratedRegex(@"^v?(\d+\.\d+(?:\.\d+)?)", RegexOptions.CultureInvariant)]
    private static partial Regex Release();
}
