using k8s;
using Microsoft.Extensions.Logging;
using Portal.Application.Ports;
using Portal.Domain.Deployments;
using Portal.Domain.Manifests;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// What the cluster's nodes can hold (GPUs per node, GPU products), read from the Node list and
/// cached briefly; the defaults stand in when the cluster cannot be reached.
/// </summary>
public sealed partial class ClusterLimitsProvider(ClusterConnection connection, TimeProvider time, ILogger<ClusterLimitsProvider> logger) : IClusterLimits
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (ClusterLimits Limits, DateTimeOffset At)? _cached;

    public async Task<ClusterLimits> GetAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } hit && time.GetUtcNow() - hit.At < CacheFor)
        {
            return hit.Limits;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && time.GetUtcNow() - again.At < CacheFor)
            {
                return again.Limits;
            }

            var limits = await ReadAsync(cancellationToken);
            _cached = (limits, time.GetUtcNow());
            return limits;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ClusterLimits> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var nodes = await connection.Client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken);
            var gpusPerNode = nodes.Items
                .Select(n => n.Status?.Capacity is { } capacity && capacity.TryGetValue(PortalLabels.GpuResource, out var q) ? (int)q.ToInt64() : 0)
                .DefaultIfEmpty(0)
                .Max();
            var gpuTypes = nodes.Items
                .Select(n => n.Metadata?.Labels is { } labels && labels.TryGetValue(PortalLabels.GpuProductNodeLabel, out var product) ? product : null)
                .OfType<string>()
                .Distinct()
                .Order()
                .ToList();
            return ClusterLimits.Default with
            {
                MaxGpusPerNode = gpusPerNode > 0 ? gpusPerNode : ClusterLimits.Default.MaxGpusPerNode,
                KnownGpuTypes = gpuTypes,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogNodesUnreadable(e.Message);
            return ClusterLimits.Default;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read the cluster's nodes, using default limits: {Reason}")]
    private partial void LogNodesUnreadable(string reason);
}
