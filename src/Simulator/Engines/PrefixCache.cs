namespace Portal.Simulator.Engines;

/// <summary>
/// Which prompt prefixes an engine still holds KV for (vLLM's automatic prefix caching, SGLang's radix cache),
/// kept as hashes of every word prefix of the prompts it has seen. A full cache forgets everything at once,
/// a crude stand-in for LRU eviction.
/// </summary>
internal sealed class PrefixCache(int capacity = 200_000)
{
    private readonly HashSet<ulong> _prefixes = [];
    private readonly Lock _lock = new();

    /// <summary>Remembers <paramref name="words"/> and returns how many leading words were already cached.</summary>
    public int MatchAndInsert(IReadOnlyList<string> words)
    {
        lock (_lock)
        {
            var hash = 14695981039346656037UL;
            var matched = 0;
            var stillMatching = true;
            if (_prefixes.Count + words.Count > capacity)
            {
                _prefixes.Clear();
            }

            for (var i = 0; i < words.Count; i++)
            {
                foreach (var c in words[i])
                {
                    hash = (hash ^ c) * 1099511628211UL;
                }

                hash = (hash ^ ' ') * 1099511628211UL;
                if (stillMatching && _prefixes.Contains(hash))
                {
                    matched = i + 1;
                }
                else
                {
                    stillMatching = false;
                    _prefixes.Add(hash);
                }
            }

            return matched;
        }
    }
}
