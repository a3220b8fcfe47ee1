using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Portal.Simulator.Api;
using Portal.Simulator.Controllers;
using Portal.Simulator.Engines;

namespace Portal.Simulator.Kubelets;

/// <summary>
/// The kubelets of all simulated nodes: run each bound pod's containers as simulated engines on the pod's
/// own loopback address, report container states and pod conditions, and finish graceful deletion.
/// Each container is run by a <see cref="ContainerWorker"/> (probes, restarts, back-off).
/// </summary>
internal sealed partial class Kubelet : IPodLogs, IContainerHost, IAsyncDisposable
{
    private const string Component = "kubelet";
    private readonly ConcurrentDictionary<string, PodRuntime> _pods = new();
    private readonly ObjectStore _store;
    private readonly GpuAllocator _gpus;
    private readonly LoopbackRange _addresses;
    private readonly EventRecorder _events;
    private readonly EngineSettings _settings;
    private readonly CrashLoopFaults _crashLoops;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<Kubelet> _logger;

    public Kubelet(ObjectStore store, GpuAllocator gpus, LoopbackRange addresses, EventRecorder events, SimulatorOptions options, EngineSettings settings,
        CrashLoopFaults crashLoops, ILoggerFactory loggerFactory)
    {
        _store = store;
        _gpus = gpus;
        _addresses = addresses;
        _events = events;
        Options = options;
        _settings = settings;
        _crashLoops = crashLoops;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<Kubelet>();
    }

    public SimulatorOptions Options { get; }

    public TimeProvider Time => Options.TimeProvider;

    public Prober Prober { get; } = new();

    /// <summary>The running pods with their engines, for the GPU exporter and Prometheus discovery.</summary>
    public IEnumerable<RunningPod> RunningPods => _pods.Values
        .Select(p => (Pod: p, Engines: p.Containers.Select(c => c.Current).Where(i => i is { Exited.IsCompleted: false }).Select(i => i!.Engine).OfType<SimulatedEngine>().ToList()))
        .Where(p => p.Engines.Count > 0)
        .Select(p => new RunningPod(p.Pod.Namespace, p.Pod.Name, p.Pod.Address, p.Pod.Owner, p.Engines));

    /// <summary>Reacts to a pod change: starts a bound pod, or finishes a pod being deleted.</summary>
    public void OnPodChanged(StoredObject pod)
    {
        if (pod.Object.String("spec.nodeName") is not { Length: > 0 } node)
        {
            return;
        }

        if (pod.Object.At("metadata.deletionTimestamp") is not null)
        {
            if (_pods.TryGetValue(pod.Key, out var running))
            {
                running.RequestTermination();
            }
            else
            {
                _ = TerminateAsync(pod.Namespace, pod.Name, null);
            }

            return;
        }

        if (!_pods.ContainsKey(pod.Key) && pod.Object.String("status.phase") is "Pending" or null)
        {
            var runtime = new PodRuntime(pod.Namespace, pod.Name, pod.Uid, node, _addresses.AllocatePod(), OwnerOf(pod.Object));
            if (_pods.TryAdd(pod.Key, runtime))
            {
                runtime.Task = RunAsync(runtime);
            }
            else
            {
                _addresses.Release(runtime.Address);
            }
        }
    }

    /// <summary>
    /// Kills a pod's containers (exit 137) and returns once their processes are gone, as SIGKILL is immediate; they
    /// restart with a higher restartCount and must pass their probes again.
    /// </summary>
    public Task KillAsync(string ns, string name, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.WhenAll(Running(ns, name).Containers.Select(container => container.Exit(ContainerExit.Killed))).WaitAsync(ct);
    }

    /// <summary>Makes a pod's containers crash now and on every start, printing <paramref name="lines"/> first.</summary>
    public void CrashLoop(string ns, string name, IReadOnlyList<string> lines)
    {
        _crashLoops.Set(ns, name, lines);
        if (_pods.TryGetValue(ObjectStore.KeyOf(ns, name), out var runtime))
        {
            runtime.Containers.ForEach(c => c.CrashNow(lines));
        }
    }

    public async Task WriteAsync(PodLogRequest request, Stream output, CancellationToken cancellationToken)
    {
        if (!_pods.TryGetValue(ObjectStore.KeyOf(request.Namespace, request.Pod), out var runtime) || runtime.Containers.Count == 0)
        {
            throw ApiException.BadRequest($"container \"{request.Container}\" in pod \"{request.Pod}\" is waiting to start: ContainerCreating");
        }

        if (request.Container is null && runtime.Containers.Count > 1)
        {
            throw ApiException.BadRequest($"a container name must be specified for pod {request.Pod}, choose one of: [{string.Join(" ", runtime.Containers.Select(c => c.Name))}]");
        }

        var container = runtime.Container(request.Container)
            ?? throw ApiException.BadRequest($"container {request.Container} is not valid for pod {request.Pod}");
        var instance = request.Previous
            ? container.Previous ?? throw ApiException.BadRequest($"previous terminated container \"{container.Name}\" in pod \"{request.Pod}\" not found")
            : container.Current ?? throw ApiException.BadRequest($"container \"{container.Name}\" in pod \"{request.Pod}\" is waiting to start: ContainerCreating");
        await instance.Log.WriteToAsync(output, request.TailLines, request.Follow && !instance.Exited.IsCompleted, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var runtime in _pods.Values)
        {
            runtime.RequestTermination();
        }

        await Task.WhenAll(_pods.Values.Select(p => p.Task));
        Prober.Dispose();
    }

    public SimulatedEngine StartProcess(PodRuntime pod, JsonObject container)
    {
        var env = (container["env"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(e => e["value"] is not null)
            .GroupBy(e => (string?)e["name"] ?? "")
            .ToDictionary(g => g.Key, g => g.Last()["value"]!.ToString());
        var context = new EngineContext(pod.Address, _settings, Options.ModelLoadTime, Options.OllamaPullDuration, Options.GpuMemoryMiB, Time, _loggerFactory);
        var launch = EngineLaunch.FromContainer(container, env, GpuAllocator.RequestedBy(container));
        var engine = EngineFactory.Create(context, launch);
        var offset = pod.Containers.TakeWhile(c => c.Name != launch.ContainerName).Sum(c => GpuAllocator.RequestedBy(SpecOf(pod, c.Name) ?? []));
        foreach (var gpu in _gpus.Of(pod.Key).Skip(offset).Take(launch.Gpus))
        {
            gpu.Holder = new GpuHolder(pod.Namespace, pod.Name, launch.ContainerName, () => engine.Utilization, () => engine.MemoryFraction);
        }

        engine.Start();
        return engine;
    }

    public IReadOnlyList<string>? CrashLoopLines(PodRuntime pod) => _crashLoops.Of(pod.Namespace, pod.Name);

    public void UpdateStatus(PodRuntime pod, string container, Action<JsonObject> change) => UpdatePod(pod, obj =>
    {
        foreach (var status in ContainerStatuses(obj).Where(s => (string?)s["name"] == container))
        {
            change(status);
        }

        if (ContainerStatuses(obj).Any(s => s["state"]?["running"] is not null))
        {
            obj.Child("status")["phase"] = "Running";
        }

        SetReadiness(obj);
    });

    public void Event(PodRuntime pod, string container, string type, string reason, string message)
    {
        if (_store.Get(ResourceTypes.Pods, pod.Namespace, pod.Name) is { } obj)
        {
            _events.Record(obj, type, reason, message, new EventSource(Component, pod.Node), $"spec.containers{{{container}}}");
        }
    }

    private PodRuntime Running(string ns, string name) =>
        _pods.GetValueOrDefault(ObjectStore.KeyOf(ns, name)) ?? throw new InvalidOperationException($"pod {ns}/{name} is not running");

    private async Task RunAsync(PodRuntime runtime)
    {
        var ct = runtime.Terminating;
        try
        {
            var pod = PrepareStatus(runtime) ?? throw new OperationCanceledException(ct);
            await Task.Delay(Options.ContainerStartTime, Time, ct);
            runtime.Containers.AddRange(Containers(pod).Select(c => new ContainerWorker(runtime, c, this)));
            await Task.WhenAll(runtime.Containers.Select(c => c.RunAsync(ct)));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogPodFailed(_logger, runtime.Namespace, runtime.Name, e);
        }

        await TerminateAsync(runtime.Namespace, runtime.Name, runtime);
    }

    /// <summary>The status a pod gets once its node's kubelet takes it: addresses, conditions, containers waiting to be created.</summary>
    private JsonObject? PrepareStatus(PodRuntime runtime)
    {
        UpdatePod(runtime, pod =>
        {
            var status = pod.Child("status");
            var hostIp = _gpus.Nodes.FirstOrDefault(n => n.Name == runtime.Node)?.Address.ToString();
            status["hostIP"] = hostIp;
            status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
            status["podIP"] = runtime.Address.ToString();
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = runtime.Address.ToString() });
            status["startTime"] = Timestamps.Format(Time.GetUtcNow());
            status["qosClass"] = QosClass(pod);
            PodConditions.Set(pod, "PodReadyToStartContainers", "True", null, null, Time);
            PodConditions.Set(pod, "Initialized", "True", null, null, Time);
            status["containerStatuses"] = new JsonArray(Containers(pod).Select(c => (JsonNode)new JsonObject
            {
                ["name"] = (string?)c["name"],
                ["image"] = (string?)c["image"],
                ["imageID"] = "",
                ["ready"] = false,
                ["restartCount"] = 0,
                ["started"] = false,
                ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } },
                ["lastState"] = new JsonObject(),
            }).ToArray());
            SetReadiness(pod);
        });
        return _store.Get(ResourceTypes.Pods, runtime.Namespace, runtime.Name)?.Object;
    }

    /// <summary>ContainersReady and Ready follow the containers' ready flags (pkg/kubelet/status/generate.go).</summary>
    private void SetReadiness(JsonObject pod)
    {
        var unready = ContainerStatuses(pod).Where(s => (bool?)s["ready"] != true).Select(s => (string?)s["name"] ?? "").ToList();
        if (unready.Count == 0)
        {
            PodConditions.Set(pod, "ContainersReady", "True", null, null, Time);
            PodConditions.Set(pod, "Ready", "True", null, null, Time);
            return;
        }

        var message = $"containers with unready status: [{string.Join(" ", unready)}]";
        PodConditions.Set(pod, "ContainersReady", "False", "ContainersNotReady", message, Time);
        PodConditions.Set(pod, "Ready", "False", "ContainersNotReady", message, Time);
    }

    /// <summary>Stops the containers, gives back the GPUs and the address, and removes the pod object.</summary>
    private async Task TerminateAsync(string ns, string name, PodRuntime? runtime)
    {
        var key = ObjectStore.KeyOf(ns, name);
        var pod = _store.Get(ResourceTypes.Pods, ns, name);
        if (runtime is not null)
        {
            foreach (var container in runtime.Containers.Where(c => c.Current is { Exited.IsCompleted: false }))
            {
                Event(runtime, container.Name, "Normal", "Killing", $"Stopping container {container.Name}");
            }

            _addresses.Release(runtime.Address);
            _pods.TryRemove(key, out _);
        }

        _gpus.Release(key);
        if (pod?.Object.At("metadata.deletionTimestamp") is not null)
        {
            _store.Delete(ResourceTypes.Pods, ns, name);
        }

        await Task.CompletedTask;
    }

    private void UpdatePod(PodRuntime runtime, Action<JsonObject> change)
    {
        try
        {
            _store.Update(ResourceTypes.Pods, runtime.Namespace, runtime.Name, current =>
            {
                if (current is null || current.Uid != runtime.Uid)
                {
                    return null;
                }

                var pod = current.Clone();
                change(pod);
                return pod;
            });
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private JsonObject? SpecOf(PodRuntime pod, string container) =>
        _store.Get(ResourceTypes.Pods, pod.Namespace, pod.Name) is { } obj ? Containers(obj.Object).FirstOrDefault(c => (string?)c["name"] == container) : null;

    private static string QosClass(JsonObject pod)
    {
        var containers = Containers(pod).ToList();
        var anyResources = containers.Any(c => c["resources"]?["requests"] is JsonObject { Count: > 0 } || c["resources"]?["limits"] is JsonObject { Count: > 0 });
        if (!anyResources)
        {
            return "BestEffort";
        }

        var guaranteed = containers.All(c => c["resources"]?["limits"] is JsonObject limits && limits.ContainsKey("cpu") && limits.ContainsKey("memory")
            && (c["resources"]?["requests"] is not JsonObject requests || requests.All(r => limits[r.Key]?.ToString() == r.Value?.ToString())));
        return guaranteed ? "Guaranteed" : "Burstable";
    }

    private static string? OwnerOf(JsonObject pod) =>
        (pod.At("metadata.ownerReferences") as JsonArray)?.OfType<JsonObject>().FirstOrDefault(r => (bool?)r["controller"] == true)?["name"]?.ToString();

    private static IEnumerable<JsonObject> Containers(JsonObject pod) => (pod.At("spec.containers") as JsonArray ?? []).OfType<JsonObject>();

    private static IEnumerable<JsonObject> ContainerStatuses(JsonObject pod) => (pod.At("status.containerStatuses") as JsonArray ?? []).OfType<JsonObject>();

    [LoggerMessage(Level = LogLevel.Error, Message = "pod {Namespace}/{Name} failed")]
    private static partial void LogPodFailed(ILogger logger, string @namespace, string name, Exception exception);
}

/// <summary>A pod with running containers: what the GPU exporter and Prometheus discovery need of it.</summary>
internal sealed record RunningPod(string Namespace, string Name, IPAddress Address, string? Owner, IReadOnlyList<SimulatedEngine> Engines);
