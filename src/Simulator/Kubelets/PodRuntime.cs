using System.Net;
using Portal.Simulator.Api;

namespace Portal.Simulator.Kubelets;

/// <summary>The kubelet's state of one pod: its address and one worker per container.</summary>
internal sealed class PodRuntime(string ns, string name, string uid, string node, IPAddress address, string? owner)
{
    private readonly CancellationTokenSource _terminate = new();

    public string Namespace { get; } = ns;

    public string Name { get; } = name;

    public string Uid { get; } = uid;

    public string Node { get; } = node;

    public string Key => ObjectStore.KeyOf(Namespace, Name);

    public IPAddress Address { get; } = address;

    public string? Owner { get; } = owner;

    public List<ContainerWorker> Containers { get; } = [];

    public Task Task { get; set; } = Task.CompletedTask;

    public CancellationToken Terminating => _terminate.Token;

    public void RequestTermination() => _terminate.Cancel();

    public ContainerWorker? Container(string? name) =>
        name is null or "" ? Containers.FirstOrDefault() : Containers.FirstOrDefault(c => c.Name == name);
}
