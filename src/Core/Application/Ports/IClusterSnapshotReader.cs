using Portal.Application.Reconcile;

namespace Portal.Application.Ports;

/// <summary>Reads everything the portal manages in some namespaces with one list call per kind per namespace.</summary>
public interface IClusterSnapshotReader
{
    Task<ClusterSnapshot> ReadAsync(IReadOnlyList<string> namespaces, CancellationToken cancellationToken);
}
