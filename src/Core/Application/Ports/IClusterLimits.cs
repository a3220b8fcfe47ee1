using Portal.Domain.Deployments;

namespace Portal.Application.Ports;

/// <summary>What the cluster's nodes can hold (GPUs per node, GPU products); defaults when the cluster cannot be read.</summary>
public interface IClusterLimits
{
    Task<ClusterLimits> GetAsync(CancellationToken cancellationToken);
}
