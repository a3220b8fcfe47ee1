using System.Text.Json.Nodes;

namespace Portal.Simulator.Api;

/// <summary>
/// A parsed label selector: equality (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>) and set-based
/// (<c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>) requirements, all of which must hold.
/// </summary>
internal sealed record LabelSelector(IReadOnlyList<LabelSelector.Requirement> Requirements)
{
    public static readonly LabelSelector Everything = new([]);

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Requirements.All(r => r.Matches(labels));

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Requirement>();
        foreach (var term in SplitTerms(text))
        {
            requirements.Add(ParseTerm(term.Trim()));
        }

        return new LabelSelector(requirements);
    }

    /// <summary>The selector of a <c>matchLabels</c>/<c>matchExpressions</c> object (a StatefulSet's spec.selector).</summary>
    public static LabelSelector FromObject(JsonNode? selector)
    {
        var requirements = new List<Requirement>();
        if (selector?["matchLabels"] is JsonObject matchLabels)
        {
            requirements.AddRange(matchLabels.Select(l => new Requirement(l.Key, Operator.Equals, [l.Value?.ToString() ?? ""])));
        }

        if (selector?["matchExpressions"] is JsonArray expressions)
        {
            foreach (var e in expressions.OfType<JsonObject>())
            {
                var values = (e["values"] as JsonArray)?.Select(v => v?.ToString() ?? "").ToArray() ?? [];
                var op = (string?)e["operator"] switch
                {
                    "In" => Operator.In,
                    "NotIn" => Operator.NotIn,
                    "Exists" => Operator.Exists,
                    "DoesNotExist" => Operator.DoesNotExist,
                    var other => throw ApiException.BadRequest($"unknown label selector operator {other}"),
                };
                requirements.Add(new Requirement((string?)e["key"] ?? "", op, values));
            }
        }

        return new LabelSelector(requirements);
    }

    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private static Requirement ParseTerm(string term)
    {
        if (term.StartsWith('!'))
        {
            return new Requirement(term[1..].Trim(), Operator.DoesNotExist, []);
        }

        foreach (var (token, op) in new[] { ("!=", Operator.NotEquals), ("==", Operator.Equals), ("=", Operator.Equals) })
        {
            var at = term.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                return new Requirement(term[..at].Trim(), op, [term[(at + token.Length)..].Trim()]);
            }
        }

        var parts = term.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 2)
        {
            var rest = parts[1];
            var (opText, list) = rest.StartsWith("notin", StringComparison.Ordinal) ? (Operator.NotIn, rest[5..])
                : rest.StartsWith("in", StringComparison.Ordinal) ? (Operator.In, rest[2..])
                : throw ApiException.BadRequest($"unable to parse requirement: {term}");
            var values = list.Trim().TrimStart('(').TrimEnd(')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return new Requirement(parts[0], opText, values);
        }

        return new Requirement(term, Operator.Exists, []);
    }

    public enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    public sealed record Requirement(string Key, Operator Op, string[] Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Op switch
            {
                Operator.Equals or Operator.In => has && Values.Contains(value),
                Operator.NotEquals or Operator.NotIn => !has || !Values.Contains(value),
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                _ => false,
            };
        }

        public override string ToString() => Op switch
        {
            Operator.Equals => $"{Key}={Values[0]}",
            Operator.NotEquals => $"{Key}!={Values[0]}",
            Operator.In => $"{Key} in ({string.Join(",", Values)})",
            Operator.NotIn => $"{Key} notin ({string.Join(",", Values)})",
            Operator.Exists => Key,
            _ => "!" + Key,
        };
    }
}

/// <summary>A field selector (<c>metadata.name=x,status.phase!=Running</c>) evaluated on the object's fields.</summary>
internal sealed record FieldSelector(IReadOnlyList<(string Path, bool Equal, string Value)> Terms)
{
    public static readonly FieldSelector Everything = new([]);

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = new List<(string, bool, string)>();
        foreach (var term in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var notEqual = term.IndexOf("!=", StringComparison.Ordinal);
            if (notEqual > 0)
            {
                terms.Add((term[..notEqual], false, term[(notEqual + 2)..]));
                continue;
            }

            var parts = term.Split("==") is { Length: 2 } doubled ? doubled : term.Split('=', 2);
            if (parts.Length != 2)
            {
                throw ApiException.BadRequest($"invalid field selector: {term}");
            }

            terms.Add((parts[0], true, parts[1]));
        }

        return new FieldSelector(terms);
    }

    public bool Matches(JsonObject obj) => Terms.All(t => (obj.String(t.Path) ?? "") == t.Value == t.Equal);
}
