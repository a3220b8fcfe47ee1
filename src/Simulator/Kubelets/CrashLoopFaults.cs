using System.Collections.Concurrent;
using Portal.Simulator.Api;

namespace Portal.Simulator.Kubelets;

/// <summary>The pods whose containers crash on every start, and what they print before they do.</summary>
internal sealed class CrashLoopFaults
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _pods = new();

    public void Set(string ns, string pod, IReadOnlyList<string> lines) => _pods[ObjectStore.KeyOf(ns, pod)] = lines;

    public void Clear(string ns, string pod) => _pods.TryRemove(ObjectStore.KeyOf(ns, pod), out _);

    public void ClearAll() => _pods.Clear();

    public IReadOnlyList<string>? Of(string ns, string pod) => _pods.GetValueOrDefault(ObjectStore.KeyOf(ns, pod));
}
