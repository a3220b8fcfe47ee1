using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Domain.Monitoring;

/// <summary>Small pieces of PromQL text the catalog and the dashboard put together.</summary>
public static partial class PromQl
{
    /// <summary>A double-quoted PromQL string literal.</summary>
    public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A duration such as <c>60s</c> (whole seconds, at least one).</summary>
    public static string Duration(TimeSpan span) =>
        Math.Max(1, (long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";

    /// <summary>A number the way PromQL reads it.</summary>
    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Adds the constant label <paramref name="name"/>=<paramref name="value"/> to every series of <paramref name="expression"/>.</summary>
    public static string WithLabel(string expression, string name, string value) =>
        $"label_replace({expression}, {Quote(name)}, {Quote(value)}, \"\", \"\")";

    /// <summary>The union of several expressions (PromQL <c>or</c>), each in parentheses.</summary>
    public static string Or(IEnumerable<string> expressions)
    {
        var parts = expressions.ToList();
        return parts.Count switch
        {
            0 => throw new ArgumentException("nothing to combine", nameof(expressions)),
            1 => parts[0],
            _ => string.Join(" or ", parts.Select(p => $"({p})")),
        };
    }

    /// <summary>
    /// An alternation regex of deployment names for <c>=~</c> matchers. Names are DNS-1123 labels, so they need
    /// no escaping; anything else is refused rather than escaped into a different meaning.
    /// </summary>
    public static string Alternation(IEnumerable<string> names)
    {
        var list = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("an alternation needs at least one name", nameof(names));
        }

        foreach (var name in list)
        {
            if (!DnsLabel().IsMatch(name))
            {
                throw new ArgumentException($"'{name}' is not a DNS-1123 label", nameof(names));
            }
        }

        return string.Join("|", list);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex DnsLabel();
}
