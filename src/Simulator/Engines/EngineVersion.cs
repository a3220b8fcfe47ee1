using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Simulator.Engines;

/// <summary>
/// An engine release as its image tag names it (<c>v0.10.1</c>, <c>v0.4.10.post2</c>, <c>0.12.3</c>,
/// <c>v0.5.23-cu129</c>); the simulated engine answers as that release does.
/// </summary>
internal sealed partial record EngineVersion(int Major, int Minor, int Patch, int Post = 0) : IComparable<EngineVersion>
{
    public static EngineVersion Parse(string text)
    {
        var match = VersionPattern().Match(text);
        if (!match.Success)
        {
            throw new FormatException($"not an engine version: {text}");
        }

        static int Part(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        return new(Part(match.Groups["major"]), Part(match.Groups["minor"]), Part(match.Groups["patch"]), Part(match.Groups["post"]));
    }

    /// <summary>The version an image runs: its tag's version, or the framework's current release for <c>latest</c>, a digest or an unknown tag.</summary>
    public static EngineVersion OfImage(Framework framework, string image)
    {
        var withoutDigest = image.Split('@')[0];
        var colon = withoutDigest.LastIndexOf(':');
        var tag = colon > withoutDigest.LastIndexOf('/') ? withoutDigest[(colon + 1)..] : "";
        return VersionPattern().IsMatch(tag) ? Parse(tag) : EngineReleases.Current(framework);
    }

    public bool AtLeast(string version) => CompareTo(Parse(version)) >= 0;

    public bool Below(string version) => !AtLeast(version);

    public int CompareTo(EngineVersion? other) =>
        other is null ? 1
        : (Major, Minor, Patch, Post).CompareTo((other.Major, other.Minor, other.Patch, other.Post));

    public override string ToString() => $"{Major}.{Minor}.{Patch}{(Post > 0 ? $".post{Post}" : "")}";

    [GeneratedRegex(@"^v?(?<major>\d+)\.(?<minor>\d+)(\.(?<patch>\d+))?(\.post(?<post>\d+))?([-+.].*)?$")]
    private static partial Regex VersionPattern();
}

/// <summary>The releases the simulator knows: the current one of each engine (what <c>latest</c> means) and the older one it still supports.</summary>
internal static class EngineReleases
{
    public static readonly EngineVersion VllmCurrent = new(0, 33, 0);
    public static readonly EngineVersion VllmOld = new(0, 10, 1);
    public static readonly EngineVersion SglangCurrent = new(0, 5, 23);
    public static readonly EngineVersion SglangOld = new(0, 4, 10, 2);
    public static readonly EngineVersion OllamaCurrent = new(0, 32, 15);
    public static readonly EngineVersion OllamaOld = new(0, 12, 3);

    public static EngineVersion Current(Framework framework) => framework switch
    {
        Framework.Vllm => VllmCurrent,
        Framework.Sglang => SglangCurrent,
        Framework.Ollama => OllamaCurrent,
        _ => new(0, 0, 0),
    };
}
