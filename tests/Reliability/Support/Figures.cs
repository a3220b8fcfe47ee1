namespace Portal.Reliability.Support;

/// <summary>
/// Prints a test's figure as one line (<c>RELIABILITY | area | figure</c>) on the console, where tests/run.sh shows
/// it, and in the test's own output; the README's Reliability table quotes the last run.
/// </summary>
public static class Figures
{
    public static void Print(string area, string figure)
    {
        var line = $"RELIABILITY | {area} | {figure}";
        Console.WriteLine(line);
        Xunit.TestContext.Current.TestOutputHelper?.WriteLine(line);
    }
}
