using System.Runtime.CompilerServices;

namespace Portal.Domain.Tests.Golden;

/// <summary>
/// Compares output with a checked-in file beside this class. To accept new output, run
/// <c>UPDATE_GOLDEN=1 tests/Core.Tests/bin/Debug/net10.0/Portal.Core.Tests</c>, then review the diff.
/// </summary>
internal static class GoldenFile
{
    /// <summary>The revision the golden manifests are rendered at.</summary>
    public const long GoldenRevision = 7;

    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    public static string PathOf(string fileName) => Path.Combine(Folder(), fileName);

    private static string Folder([CallerFilePath] string here = "") => Path.GetDirectoryName(here)!;

    public static void AssertMatches(string fileName, string actual)
    {
        var path = PathOf(fileName);
        actual = actual.ReplaceLineEndings("\n");
        if (Updating)
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing; run the tests with UPDATE_GOLDEN=1 to create it.");
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.True(expected == actual,
            $"{fileName} differs from the rendered output; if the change is intended, run with UPDATE_GOLDEN=1 and review the diff.\n{FirstDifference(expected, actual)}");
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var left = i < e.Length ? e[i] : "<end>";
            var right = i < a.Length ? a[i] : "<end>";
            if (left != right)
            {
                return $"line {i + 1}:\n  golden:   {left}\n  rendered: {right}";
            }
        }

        return "";
    }
}
