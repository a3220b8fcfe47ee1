using System.Globalization;
using System.Text.RegularExpressions;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>What a recommendation must serve: requests per second, or output tokens per second.</summary>
public sealed record LoadTarget(double Value, bool IsTokens)
{
    public string Unit => IsTokens ? "tok/s" : "req/s";

    public override string ToString() => $"{Value.ToString("0.##", CultureInfo.InvariantCulture)} {Unit}";
}

/// <summary>A parsed SLO with the recommendation's target and headroom.</summary>
public sealed record ServiceObjective(LatencySlo Latency, LoadTarget? Target, double Headroom);

/// <summary>Reads SLO text with units; a number without its unit is refused rather than guessed.</summary>
public static partial class SloParser
{
    public const double DefaultHeadroom = 0.2;

    /// <summary>Parses <paramref name="input"/>; field errors go into <paramref name="errors"/> under <paramref name="prefix"/>.</summary>
    public static ServiceObjective? Parse(SloInput? input, string prefix, Dictionary<string, string[]> errors, bool needsTarget)
    {
        if (input is null)
        {
            if (needsTarget)
            {
                errors[prefix] = ["State the SLO: p95 TTFT and/or p95 ITL bounds and the load to serve."];
            }

            return null;
        }

        var ttft = Duration(input.TtftP95, $"{prefix}.ttftP95", "p95 TTFT", errors);
        var itl = Duration(input.ItlP95, $"{prefix}.itlP95", "p95 ITL", errors);
        if (input.TtftP95 is null && input.ItlP95 is null)
        {
            errors[$"{prefix}.ttftP95"] = ["Give at least one bound: p95 TTFT (like 500ms) or p95 ITL (like 50ms)."];
        }

        LoadTarget? target = null;
        if (!string.IsNullOrWhiteSpace(input.Target))
        {
            target = Target(input.Target, $"{prefix}.target", errors);
        }
        else if (needsTarget)
        {
            errors[$"{prefix}.target"] = ["Give the load to serve, like 20 req/s or 2000 tok/s."];
        }

        var headroom = input.Headroom ?? DefaultHeadroom;
        if (headroom is < 0 or > 0.9 || double.IsNaN(headroom))
        {
            errors[$"{prefix}.headroom"] = ["Headroom is the share of a replica's measured rate kept free: between 0 and 0.9 (0.2 keeps 20 %)."];
        }

        return new ServiceObjective(new LatencySlo(ttft, itl), target, headroom);
    }

    /// <summary><c>500ms</c>, <c>500 ms</c>, <c>0.5s</c> → milliseconds; null when absent.</summary>
    public static double? Duration(string? text, string field, string what, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }

        var match = DurationPattern().Match(text);
        if (!match.Success)
        {
            errors[field] = [NumberPattern().IsMatch(text.Trim())
                ? $"'{text}' has no unit: write {what} as milliseconds or seconds, like {text.Trim()}ms or 0.5s."
                : $"'{text}' is not a duration: write {what} like 500ms or 0.5s."];
            return null;
        }

        var value = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture) * (match.Groups["u"].Value == "s" ? 1000 : 1);
        if (value <= 0)
        {
            errors[field] = [$"{what} must be greater than zero."];
            return null;
        }

        return value;
    }

    private static LoadTarget? Target(string text, string field, Dictionary<string, string[]> errors)
    {
        var match = TargetPattern().Match(text);
        if (!match.Success)
        {
            errors[field] = [NumberPattern().IsMatch(text.Trim())
                ? $"'{text}' has no unit: write the load as {text.Trim()} req/s or {text.Trim()} tok/s."
                : $"'{text}' is not a load: write it like 20 req/s or 2000 tok/s."];
            return null;
        }

        var value = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        if (value <= 0)
        {
            errors[field] = ["The load to serve must be greater than zero."];
            return null;
        }

        return new LoadTarget(value, match.Groups["u"].Value.StartsWith("tok", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\s*(?<n>-?\d+(\.\d+)?)\s*(?<u>ms|s)\s*$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^\s*(?<n>-?\d+(\.\d+)?)\s*(?<u>req/s|rps|tok/s|tokens/s)\s*$")]
    private static partial Regex TargetPattern();

    [GeneratedRegex(@"^-?\d+(\.\d+)?$")]
    private static partial Regex NumberPattern();
}
