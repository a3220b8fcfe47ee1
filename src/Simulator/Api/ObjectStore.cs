using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Portal.Simulator.Api;

/// <summary>
/// The in-memory etcd: objects by kind, namespace and name, one resourceVersion counter for all of them,
/// and a bounded history of changes so a watch can resume from a resourceVersion.
/// </summary>
internal sealed class ObjectStore(TimeProvider time)
{
    private const int HistoryCapacity = 50_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceType, SortedDictionary<string, StoredObject>> _objects =
        ResourceTypes.All.ToDictionary(t => t, _ => new SortedDictionary<string, StoredObject>(StringComparer.Ordinal));
    private readonly Queue<WatchEvent> _history = new();
    private readonly List<ChannelWriter<WatchEvent>> _subscribers = [];
    private long _resourceVersion = 1;
    private long _oldestResumableVersion = 1;

    public static string KeyOf(string ns, string name) => ns.Length == 0 ? name : $"{ns}/{name}";

    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public StoredObject? Get(ResourceType type, string ns, string name)
    {
        lock (_lock)
        {
            return _objects[type].GetValueOrDefault(KeyOf(ns, name));
        }
    }

    /// <summary>All objects of a kind (in one namespace, or all when <paramref name="ns"/> is null) and the resourceVersion they were read at.</summary>
    public (List<StoredObject> Items, long ResourceVersion) List(ResourceType type, string? ns)
    {
        lock (_lock)
        {
            var all = _objects[type].Values;
            var items = ns is null ? all.ToList() : all.Where(o => o.Namespace == ns).ToList();
            return (items, _resourceVersion);
        }
    }

    public StoredObject Create(ResourceType type, JsonObject obj)
    {
        lock (_lock)
        {
            var metadata = obj.Metadata();
            var ns = (string?)metadata["namespace"] ?? "";
            var name = (string?)metadata["name"] ?? "";
            var key = KeyOf(ns, name);
            if (_objects[type].ContainsKey(key))
            {
                throw ApiException.AlreadyExists(type, name);
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamps.Format(time.GetUtcNow());
            if (type.TracksGeneration)
            {
                metadata["generation"] = 1;
            }

            metadata["resourceVersion"] = (++_resourceVersion).ToString();
            var stored = new StoredObject(type, obj);
            _objects[type][key] = stored;
            Publish(new WatchEvent(WatchEvent.Added, stored));
            return stored;
        }
    }

    /// <summary>
    /// Reads, changes and writes one object atomically. <paramref name="change"/> gets the stored object
    /// (or null) and returns the new content, or null to leave it as it is. Content equal to what is stored
    /// changes nothing, not even the resourceVersion.
    /// </summary>
    public StoredObject? Update(ResourceType type, string ns, string name, Func<StoredObject?, JsonObject?> change)
    {
        lock (_lock)
        {
            var key = KeyOf(ns, name);
            var current = _objects[type].GetValueOrDefault(key);
            var next = change(current);
            if (next is null)
            {
                return current;
            }

            if (current is null)
            {
                throw ApiException.NotFound(type, name);
            }

            var metadata = next.Metadata();
            var old = current.Object["metadata"]!;
            metadata["uid"] = old["uid"]?.DeepClone();
            metadata["creationTimestamp"] = old["creationTimestamp"]?.DeepClone();
            metadata["resourceVersion"] = current.ResourceVersion.ToString();
            metadata["name"] = name;
            if (ns.Length > 0)
            {
                metadata["namespace"] = ns;
            }

            if (type.TracksGeneration)
            {
                var generation = current.Object.Long("metadata.generation") ?? 1;
                metadata["generation"] = SpecChanged(current.Object, next) ? generation + 1 : generation;
            }

            if (JsonNode.DeepEquals(current.Object, next))
            {
                return current;
            }

            metadata["resourceVersion"] = (++_resourceVersion).ToString();
            var stored = new StoredObject(type, next);
            _objects[type][key] = stored;
            Publish(new WatchEvent(WatchEvent.Modified, stored));
            return stored;
        }
    }

    public StoredObject? Delete(ResourceType type, string ns, string name)
    {
        lock (_lock)
        {
            if (!_objects[type].Remove(KeyOf(ns, name), out var current))
            {
                return null;
            }

            var gone = current.Clone();
            gone.Metadata()["resourceVersion"] = (++_resourceVersion).ToString();
            var stored = new StoredObject(type, gone);
            Publish(new WatchEvent(WatchEvent.Deleted, stored));
            return stored;
        }
    }

    /// <summary>
    /// Starts a watch. From a resourceVersion it replays the changes after it; without one it first reports
    /// every existing object as ADDED. Either way no change is missed between the two.
    /// </summary>
    public ChannelReader<WatchEvent> Watch(long? fromResourceVersion, Func<WatchEvent, bool> filter, CancellationToken ct)
    {
        var channel = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });
        var writer = new FilteringWriter(channel.Writer, filter);
        lock (_lock)
        {
            if (fromResourceVersion is { } from && from > 0)
            {
                if (from < _oldestResumableVersion)
                {
                    throw ApiException.Gone($"too old resource version: {from} ({_oldestResumableVersion})");
                }

                foreach (var e in _history.Where(e => e.Object.ResourceVersion > from))
                {
                    writer.TryWrite(e);
                }
            }
            else
            {
                foreach (var o in _objects.Values.SelectMany(v => v.Values))
                {
                    writer.TryWrite(new WatchEvent(WatchEvent.Added, o));
                }
            }

            _subscribers.Add(writer);
        }

        ct.Register(() =>
        {
            lock (_lock)
            {
                _subscribers.Remove(writer);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    private void Publish(WatchEvent e)
    {
        _history.Enqueue(e);
        if (_history.Count > HistoryCapacity)
        {
            _oldestResumableVersion = _history.Dequeue().Object.ResourceVersion;
        }

        foreach (var subscriber in _subscribers)
        {
            subscriber.TryWrite(e);
        }
    }

    /// <summary>Whether anything besides metadata and status differs, which is what bumps metadata.generation.</summary>
    private static bool SpecChanged(JsonObject before, JsonObject after)
    {
        var keys = before.Select(p => p.Key).Union(after.Select(p => p.Key)).Where(k => k is not ("metadata" or "status"));
        return keys.Any(k => !JsonNode.DeepEquals(before[k], after[k]));
    }

    private sealed class FilteringWriter(ChannelWriter<WatchEvent> inner, Func<WatchEvent, bool> filter) : ChannelWriter<WatchEvent>
    {
        public override bool TryWrite(WatchEvent item) => !filter(item) || inner.TryWrite(item);

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => inner.WaitToWriteAsync(cancellationToken);
    }
}

internal static class Timestamps
{
    public static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static string FormatMicro(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
