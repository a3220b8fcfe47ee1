using System.Collections.Concurrent;

namespace Portal.Simulator;

/// <summary>Counts API requests by verb (get, list, watch, create, update, patch, delete, deletecollection, proxy) and resource.</summary>
public sealed class ApiCallCounter
{
    private readonly ConcurrentDictionary<(string Verb, string Resource), long> _counts = new();

    /// <summary>Requests of that verb on that resource (plural name, with "/subresource" for subresources: "statefulsets/scale").</summary>
    public long this[string verb, string resource] => _counts.GetValueOrDefault((verb, resource));

    /// <summary>Requests of that verb on any resource.</summary>
    public long OfVerb(string verb) => _counts.Where(c => c.Key.Verb == verb).Sum(c => c.Value);

    public long Total => _counts.Values.Sum();

    public IReadOnlyDictionary<(string Verb, string Resource), long> Snapshot() => new Dictionary<(string, string), long>(_counts);

    public void Reset() => _counts.Clear();

    internal void Count(string verb, string resource) => _counts.AddOrUpdate((verb, resource), 1, (_, n) => n + 1);
}
