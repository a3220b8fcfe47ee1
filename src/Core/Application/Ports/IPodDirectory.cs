using k8s.Models;

namespace Portal.Application.Ports;

/// <summary>
/// The pods the portal manages as last seen by one list-and-watch per namespace (an informer), and how the
/// portal reaches each: its pod IP in the cluster, or the API server's pod proxy from outside.
/// </summary>
public interface IPodDirectory
{
    /// <summary>Raised after the pods of a namespace changed.</summary>
    event Action? Changed;

    /// <summary>Starts watching a namespace beyond the configured ones; idempotent.</summary>
    void Watch(string ns);

    /// <summary>The pods of a namespace as last seen; empty until its first list.</summary>
    IReadOnlyList<V1Pod> Pods(string ns);

    /// <summary>The base URI engine paths such as <c>v1/chat/completions</c> append to.</summary>
    Uri BaseUri(V1Pod pod, int port);
}
