namespace Portal.Simulator.Engines;

/// <summary>
/// Deterministic, readable replies: the same prompt always gives the same words, so tests can compare
/// answers while they still read like text.
/// </summary>
internal static class ReplyWriter
{
    private static readonly string[] Openers =
    [
        "Here is a short answer.", "Good question.", "Let me explain.", "In brief:", "Sure.",
    ];

    private static readonly string[] Words =
    [
        "the", "model", "runs", "on", "a", "simulated", "GPU", "and", "answers", "with", "tokens", "that", "stream",
        "one", "by", "after", "each", "request", "is", "scheduled", "in", "batch", "cluster", "keeps", "weights",
        "cache", "memory", "fast", "steady", "latency", "grows", "under", "load", "while", "throughput", "stays",
        "high", "every", "reply", "comes", "from", "prompt", "seed", "so", "it", "repeats", "exactly",
    ];

    /// <summary>
    /// The tokens of the reply to <paramref name="prompt"/>, at most <paramref name="maxTokens"/> of them. With
    /// <paramref name="ignoreEos"/> and a limit the reply runs to exactly the limit, as an engine that never samples
    /// its end-of-sequence token does (vLLM's and SGLang's <c>ignore_eos</c>, which benchmark clients send).
    /// </summary>
    public static IReadOnlyList<string> Tokens(string prompt, int? maxTokens, out bool truncated, bool ignoreEos = false)
    {
        var random = new Random(StableHash(prompt));
        var length = ignoreEos && maxTokens is > 0 ? maxTokens.Value : random.Next(16, 48);
        var tokens = new List<string>(length);
        foreach (var word in Openers[random.Next(Openers.Length)].Split(' '))
        {
            tokens.Add(tokens.Count == 0 ? word : " " + word);
        }

        var sentenceStart = true;
        while (tokens.Count < length)
        {
            var word = Words[random.Next(Words.Length)];
            if (sentenceStart)
            {
                word = char.ToUpperInvariant(word[0]) + word[1..];
            }

            sentenceStart = random.Next(8) == 0 || tokens.Count == length - 1;
            tokens.Add(" " + word + (sentenceStart ? "." : ""));
        }

        // Running to the limit is a "length" finish, with or without an end-of-sequence token in reach.
        truncated = (maxTokens is { } max && max < tokens.Count) || (ignoreEos && maxTokens is > 0);
        return truncated ? tokens.Take(Math.Max(1, maxTokens!.Value)).ToList() : tokens;
    }

    /// <summary>A given text as tokens: each word with the whitespace before it, at most <paramref name="maxTokens"/> of them.</summary>
    public static IReadOnlyList<string> Split(string text, int? maxTokens, out bool truncated)
    {
        var tokens = new List<string>();
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || (char.IsWhiteSpace(text[i]) && !char.IsWhiteSpace(text[i - 1])))
            {
                tokens.Add(text[start..i]);
                start = i;
            }
        }

        truncated = maxTokens is { } max && max < tokens.Count;
        return truncated ? tokens.Take(Math.Max(1, maxTokens!.Value)).ToList() : tokens;
    }

    /// <summary>Tokens per whitespace-separated word in the simulated tokenizer.</summary>
    public const double TokensPerWord = 1.3;

    /// <summary>The simulated tokenizer's count: 1.3 tokens per whitespace-separated word, rounded up, at least 1.</summary>
    public static int CountTokens(string text) => Math.Max(1, (int)Math.Ceiling(text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length * TokensPerWord));

    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }
}
