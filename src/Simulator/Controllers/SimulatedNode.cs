using System.Net;
using System.Text.Json.Nodes;
using Portal.Simulator.Api;

namespace Portal.Simulator.Controllers;

/// <summary>A GPU node: its address (where its GPU exporter listens) and its GPUs.</summary>
internal sealed class SimulatedNode
{
    public SimulatedNode(string name, IPAddress address, int gpuCount, string gpuModel, long gpuMemoryMiB)
    {
        Name = name;
        Address = address;
        GpuModel = gpuModel;
        GpuMemoryMiB = gpuMemoryMiB;
        Gpus = Enumerable.Range(0, gpuCount).Select(i => new SimulatedGpu(this, i)).ToArray();
    }

    public string Name { get; }

    public IPAddress Address { get; }

    public string GpuModel { get; }

    public long GpuMemoryMiB { get; }

    public IReadOnlyList<SimulatedGpu> Gpus { get; }

    /// <summary>The Node object as the API shows it, with GPU feature discovery's labels.</summary>
    public JsonObject ToObject()
    {
        var count = Gpus.Count.ToString();
        JsonObject Resources() => new()
        {
            ["cpu"] = "96",
            ["ephemeral-storage"] = "1966788624Ki",
            ["memory"] = "1056375872Ki",
            ["nvidia.com/gpu"] = count,
            ["pods"] = "110",
        };
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject
            {
                ["name"] = Name,
                ["labels"] = new JsonObject
                {
                    ["kubernetes.io/arch"] = "amd64",
                    ["kubernetes.io/hostname"] = Name,
                    ["kubernetes.io/os"] = "linux",
                    ["nvidia.com/gpu.present"] = "true",
                    ["nvidia.com/gpu.product"] = GpuModel.Replace(' ', '-'),
                    ["nvidia.com/gpu.count"] = count,
                    ["nvidia.com/gpu.memory"] = GpuMemoryMiB.ToString(),
                },
            },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["capacity"] = Resources(),
                ["allocatable"] = Resources(),
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = "True",
                    ["reason"] = "KubeletReady",
                    ["message"] = "kubelet is posting ready status",
                }),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = Address.ToString() },
                    new JsonObject { ["type"] = "Hostname", ["address"] = Name }),
                ["nodeInfo"] = new JsonObject
                {
                    ["architecture"] = "amd64",
                    ["containerRuntimeVersion"] = "containerd://1.7.22",
                    ["kernelVersion"] = "6.8.0-1015-aws",
                    ["kubeletVersion"] = "v1.32.0",
                    ["kubeProxyVersion"] = "v1.32.0",
                    ["operatingSystem"] = "linux",
                    ["osImage"] = "Ubuntu 22.04.5 LTS",
                },
            },
        };
    }
}

/// <summary>One GPU and the pod container that holds it, if any.</summary>
internal sealed class SimulatedGpu(SimulatedNode node, int index)
{
    public SimulatedNode Node { get; } = node;

    public int Index { get; } = index;

    public string Uuid { get; } = $"GPU-{Guid.NewGuid()}";

    public string PciBusId { get; } = $"00000000:{0x10 + index * 0x10:X2}:00.0";

    public GpuHolder? Holder { get; set; }
}

/// <summary>The pod container a GPU is assigned to, and how busy it keeps it.</summary>
internal sealed record GpuHolder(string Namespace, string Pod, string Container, Func<double> Utilization, Func<double> MemoryFraction);

/// <summary>Which GPUs are taken, by which pod; the scheduler reserves them, the kubelet fills in the holder.</summary>
internal sealed class GpuAllocator(IReadOnlyList<SimulatedNode> nodes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<SimulatedGpu>> _byPod = [];

    public IReadOnlyList<SimulatedNode> Nodes => nodes;

    public int Free(SimulatedNode node)
    {
        lock (_lock)
        {
            return node.Gpus.Count - _byPod.Values.Sum(l => l.Count(g => g.Node == node));
        }
    }

    public bool TryReserve(SimulatedNode node, string podKey, int count)
    {
        lock (_lock)
        {
            if (count == 0)
            {
                return true;
            }

            var taken = _byPod.Values.SelectMany(l => l).ToHashSet();
            var free = node.Gpus.Where(g => !taken.Contains(g)).Take(count).ToList();
            if (free.Count < count)
            {
                return false;
            }

            _byPod[podKey] = free;
            return true;
        }
    }

    public IReadOnlyList<SimulatedGpu> Of(string podKey)
    {
        lock (_lock)
        {
            return _byPod.TryGetValue(podKey, out var gpus) ? [.. gpus] : [];
        }
    }

    public void Release(string podKey)
    {
        lock (_lock)
        {
            if (_byPod.Remove(podKey, out var gpus))
            {
                gpus.ForEach(g => g.Holder = null);
            }
        }
    }

    /// <summary>GPUs a pod asks for: the sum of its containers' nvidia.com/gpu limits (or requests).</summary>
    public static int Requested(JsonObject pod) =>
        (pod.At("spec.containers") as JsonArray ?? []).OfType<JsonObject>().Sum(RequestedBy);

    public static int RequestedBy(JsonObject container)
    {
        var value = container.At("resources")?["limits"]?["nvidia.com/gpu"] ?? container.At("resources")?["requests"]?["nvidia.com/gpu"];
        return int.TryParse(value?.ToString(), out var n) ? n : 0;
    }
}
