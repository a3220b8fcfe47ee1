using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Portal.Simulator.Api;
using Portal.Simulator.Engines;

namespace Portal.Simulator.Controllers;

/// <summary>
/// The kubelets of all simulated nodes: runs each bound pod's containers as simulated engines on the pod's
/// own loopback address, reports container states, probes readiness against the real engine endpoints,
/// restarts killed containers and finishes graceful deletion.
/// </summary>
internal sealed partial class Kubelet : IPodLogs, IAsyncDisposable
{
    private const string Component = "kubelet";
    private readonly ConcurrentDictionary<string, PodRuntime> _pods = new();
    private readonly ObjectStore _store;
    private readonly GpuAllocator _gpus;
    private readonly LoopbackRange _addresses;
    private readonly EventRecorder _events;
    private readonly SimulatorOptions _options;
    private readonly EngineSettings _settings;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<Kubelet> _logger;
    private readonly HttpClient _probeClient = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    public Kubelet(ObjectStore store, GpuAllocator gpus, LoopbackRange addresses, EventRecorder events, SimulatorOptions options, EngineSettings settings, ILoggerFactory loggerFactory)
    {
        _store = store;
        _gpus = gpus;
        _addresses = addresses;
        _events = events;
        _options = options;
        _settings = settings;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<Kubelet>();
    }

    private TimeProvider Time => _options.TimeProvider;

    /// <summary>How often readiness is probed: a fraction of the load time, so tests with short loads stay fast.</summary>
    private TimeSpan ProbeInterval => TimeSpan.FromMilliseconds(Math.Clamp(_options.ModelLoadTime.TotalMilliseconds / 10, 10, 500));

    /// <summary>The running pods with their engines, for the GPU exporter and Prometheus discovery.</summary>
    public IEnumerable<RunningPod> RunningPods =>
        _pods.Values.Where(p => p.Engines.Count > 0).Select(p => new RunningPod(p.Namespace, p.Name, p.Address, p.Owner, p.Engines.Values.ToList()));

    /// <summary>Reacts to a pod change: starts a bound pod, or finishes a pod being deleted.</summary>
    public void OnPodChanged(StoredObject pod)
    {
        if (pod.Object.String("spec.nodeName") is not { Length: > 0 })
        {
            return;
        }

        if (pod.Object.At("metadata.deletionTimestamp") is not null)
        {
            if (_pods.TryGetValue(pod.Key, out var runtime))
            {
                runtime.RequestTermination();
            }
            else
            {
                _ = TerminateAsync(pod.Namespace, pod.Name, null);
            }

            return;
        }

        if (!_pods.ContainsKey(pod.Key) && pod.Object.String("status.phase") is "Pending" or null)
        {
            var runtime = new PodRuntime(pod.Namespace, pod.Name, _addresses.AllocatePod(), OwnerOf(pod.Object));
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

    /// <summary>Crashes a pod's containers; they restart with a higher restartCount and must load again.</summary>
    public async Task KillAsync(string ns, string name, CancellationToken ct)
    {
        if (!_pods.TryGetValue(ObjectStore.KeyOf(ns, name), out var runtime))
        {
            throw new InvalidOperationException($"pod {ns}/{name} is not running");
        }

        await runtime.KillAsync(ct);
    }

    public async Task WriteAsync(string ns, string pod, int? tailLines, bool follow, Stream output, CancellationToken cancellationToken)
    {
        if (_pods.TryGetValue(ObjectStore.KeyOf(ns, pod), out var runtime) && runtime.Engines.Values.FirstOrDefault() is { } engine)
        {
            await engine.Log.WriteToAsync(output, tailLines, follow, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var runtime in _pods.Values)
        {
            runtime.RequestTermination();
        }

        await Task.WhenAll(_pods.Values.Select(p => p.Task));
        _probeClient.Dispose();
    }

    private async Task RunAsync(PodRuntime runtime)
    {
        try
        {
            await StartContainersAsync(runtime);
            await WaitUntilReadyAsync(runtime);
            while (true)
            {
                var killed = await runtime.WaitForKillOrTerminationAsync();
                if (!killed)
                {
                    break;
                }

                await RestartAsync(runtime);
                await WaitUntilReadyAsync(runtime);
            }
        }
        catch (OperationCanceledException) when (runtime.Terminating.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogPodFailed(_logger, runtime.Namespace, runtime.Name, e);
        }

        await TerminateAsync(runtime.Namespace, runtime.Name, runtime);
    }

    private async Task StartContainersAsync(PodRuntime runtime)
    {
        var ct = runtime.Terminating;
        var node = "";
        UpdatePod(runtime, pod =>
        {
            node = pod.String("spec.nodeName") ?? "";
            var status = pod.Child("status");
            var hostIp = _gpus.Nodes.FirstOrDefault(n => n.Name == node)?.Address.ToString();
            status["hostIP"] = hostIp;
            status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
            status["podIP"] = runtime.Address.ToString();
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = runtime.Address.ToString() });
            status["startTime"] = Timestamps.Format(Time.GetUtcNow());
            status["qosClass"] = QosClass(pod);
            PodConditions.Set(pod, "PodReadyToStartContainers", "True", null, null, Time);
            PodConditions.Set(pod, "Initialized", "True", null, null, Time);
            PodConditions.Set(pod, "Ready", "False", "ContainersNotReady", $"containers with unready status: [{string.Join(" ", ContainerNames(pod))}]", Time);
            PodConditions.Set(pod, "ContainersReady", "False", "ContainersNotReady", $"containers with unready status: [{string.Join(" ", ContainerNames(pod))}]", Time);
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
        });

        await Task.Delay(_options.ContainerStartTime, Time, ct);
        var pod = _store.Get(ResourceTypes.Pods, runtime.Namespace, runtime.Name) ?? throw new OperationCanceledException(ct);
        foreach (var container in Containers(pod.Object))
        {
            var name = (string?)container["name"] ?? "";
            _events.Normal(pod, "Pulled", $"Container image \"{(string?)container["image"]}\" already present on machine", Component);
            _events.Normal(pod, "Created", $"Created container: {name}", Component);
        }

        StartEngines(runtime, pod.Object);
        foreach (var container in Containers(pod.Object))
        {
            _events.Normal(pod, "Started", $"Started container {(string?)container["name"]}", Component);
        }

        MarkRunning(runtime, restarted: false);
    }

    private void StartEngines(PodRuntime runtime, JsonObject pod)
    {
        var gpus = _gpus.Of(runtime.Key);
        var context = new EngineContext(runtime.Address, _settings, _options.ModelLoadTime, _options.OllamaPullDuration, _options.GpuMemoryMiB, Time, _loggerFactory);
        var assigned = 0;
        foreach (var container in Containers(pod))
        {
            var env = (container["env"] as JsonArray ?? []).OfType<JsonObject>()
                .Where(e => e["value"] is not null)
                .GroupBy(e => (string?)e["name"] ?? "")
                .ToDictionary(g => g.Key, g => g.Last()["value"]!.ToString());
            var wanted = GpuAllocator.RequestedBy(container);
            var launch = EngineLaunch.FromContainer(container, env, wanted);
            var engine = EngineFactory.Create(context, launch);
            runtime.Engines[launch.ContainerName] = engine;
            foreach (var gpu in gpus.Skip(assigned).Take(wanted))
            {
                gpu.Holder = new GpuHolder(runtime.Namespace, runtime.Name, launch.ContainerName, () => engine.Utilization, () => engine.MemoryFraction);
            }

            assigned += wanted;
            engine.Start();
        }
    }

    private void MarkRunning(PodRuntime runtime, bool restarted)
    {
        var now = Timestamps.Format(Time.GetUtcNow());
        UpdatePod(runtime, pod =>
        {
            pod.Child("status")["phase"] = "Running";
            foreach (var status in ContainerStatuses(pod))
            {
                if (restarted)
                {
                    status["lastState"] = new JsonObject
                    {
                        ["terminated"] = new JsonObject
                        {
                            ["exitCode"] = 137,
                            ["reason"] = "Error",
                            ["startedAt"] = status["state"]?["running"]?["startedAt"]?.DeepClone(),
                            ["finishedAt"] = now,
                            ["containerID"] = status["containerID"]?.DeepClone(),
                        },
                    };
                    status["restartCount"] = (status.Long("restartCount") ?? 0) + 1;
                }

                status["containerID"] = $"containerd://{Guid.NewGuid():N}{Guid.NewGuid():N}";
                status["imageID"] = $"{(string?)status["image"]}@sha256:{Guid.NewGuid():N}{Guid.NewGuid():N}";
                status["started"] = true;
                status["ready"] = false;
                status["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } };
            }
        });
    }

    private async Task WaitUntilReadyAsync(PodRuntime runtime)
    {
        var ct = runtime.Terminating;
        var pod = _store.Get(ResourceTypes.Pods, runtime.Namespace, runtime.Name)?.Object ?? throw new OperationCanceledException(ct);
        var pending = Containers(pod).Select(c => (string?)c["name"] ?? "").ToHashSet();
        while (pending.Count > 0)
        {
            foreach (var container in Containers(pod).Where(c => pending.Contains((string?)c["name"] ?? "")))
            {
                var name = (string?)container["name"] ?? "";
                if (await ProbeAsync(runtime, container, runtime.Engines[name], ct))
                {
                    pending.Remove(name);
                    SetContainerReady(runtime, name);
                }
            }

            if (pending.Count > 0)
            {
                await Task.Delay(ProbeInterval, Time, ct);
            }
        }
    }

    /// <summary>Runs the container's startup and readiness probes once; a container without probes is ready when it runs.</summary>
    private async Task<bool> ProbeAsync(PodRuntime runtime, JsonObject container, SimulatedEngine engine, CancellationToken ct)
    {
        foreach (var probe in new[] { container["startupProbe"], container["readinessProbe"] }.OfType<JsonObject>())
        {
            if (!await ProbeOnceAsync(runtime, container, probe, engine, ct))
            {
                return false;
            }
        }

        return true;
    }

    private async Task<bool> ProbeOnceAsync(PodRuntime runtime, JsonObject container, JsonObject probe, SimulatedEngine engine, CancellationToken ct)
    {
        try
        {
            if (probe["httpGet"] is JsonObject http)
            {
                var port = ResolvePort(container, http["port"]);
                var path = (string?)http["path"] ?? "/";
                // timeoutSeconds defaults to 1, as in Kubernetes: SGLang's generating /health needs more than that.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(probe.Long("timeoutSeconds") ?? 1));
                using var response = await _probeClient.GetAsync(new Uri($"http://{runtime.Address}:{port}{(path.StartsWith('/') ? path : "/" + path)}"), timeout.Token);
                return (int)response.StatusCode is >= 200 and < 400;
            }

            if (probe["tcpSocket"] is JsonObject tcp)
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(runtime.Address, ResolvePort(container, tcp["port"]), ct);
                return true;
            }
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }

        // exec and grpc probes cannot run here; they pass once the engine has loaded.
        return engine.Loaded;
    }

    private void SetContainerReady(PodRuntime runtime, string container)
    {
        UpdatePod(runtime, pod =>
        {
            foreach (var status in ContainerStatuses(pod).Where(s => (string?)s["name"] == container))
            {
                status["ready"] = true;
            }

            if (ContainerStatuses(pod).All(s => (bool?)s["ready"] == true))
            {
                PodConditions.Set(pod, "ContainersReady", "True", null, null, Time);
                PodConditions.Set(pod, "Ready", "True", null, null, Time);
            }
        });
    }

    private async Task RestartAsync(PodRuntime runtime)
    {
        await runtime.StopEnginesAsync();
        UpdatePod(runtime, pod =>
        {
            var unready = $"containers with unready status: [{string.Join(" ", ContainerNames(pod))}]";
            PodConditions.Set(pod, "Ready", "False", "ContainersNotReady", unready, Time);
            PodConditions.Set(pod, "ContainersReady", "False", "ContainersNotReady", unready, Time);
        });
        var pod = _store.Get(ResourceTypes.Pods, runtime.Namespace, runtime.Name) ?? throw new OperationCanceledException();
        _events.Warning(pod, "BackOff", $"Back-off restarting failed container {ContainerNames(pod.Object).FirstOrDefault()} in pod {runtime.Name}_{runtime.Namespace}({pod.Uid})", Component);
        StartEngines(runtime, pod.Object);
        _events.Normal(pod, "Started", $"Started container {ContainerNames(pod.Object).FirstOrDefault()}", Component);
        MarkRunning(runtime, restarted: true);
    }

    /// <summary>Stops the containers, gives back the GPUs and the address, and removes the pod object.</summary>
    private async Task TerminateAsync(string ns, string name, PodRuntime? runtime)
    {
        var key = ObjectStore.KeyOf(ns, name);
        var pod = _store.Get(ResourceTypes.Pods, ns, name);
        if (runtime is not null)
        {
            if (pod is not null && runtime.Engines.Count > 0)
            {
                foreach (var container in runtime.Engines.Keys)
                {
                    _events.Normal(pod, "Killing", $"Stopping container {container}", Component);
                }
            }

            await runtime.StopEnginesAsync();
            _addresses.Release(runtime.Address);
            _pods.TryRemove(key, out _);
        }

        _gpus.Release(key);
        if (pod?.Object.At("metadata.deletionTimestamp") is not null)
        {
            _store.Delete(ResourceTypes.Pods, ns, name);
        }
    }

    private void UpdatePod(PodRuntime runtime, Action<JsonObject> change)
    {
        _store.Update(ResourceTypes.Pods, runtime.Namespace, runtime.Name, current =>
        {
            if (current is null)
            {
                return null;
            }

            var pod = current.Clone();
            change(pod);
            return pod;
        });
    }

    private static int ResolvePort(JsonObject container, JsonNode? port)
    {
        if (int.TryParse(port?.ToString(), out var number))
        {
            return number;
        }

        var named = (container["ports"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => (string?)p["name"] == port?.ToString());
        return (int?)named.Long("containerPort") ?? 0;
    }

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

    private static IEnumerable<string> ContainerNames(JsonObject pod) => Containers(pod).Select(c => (string?)c["name"] ?? "");

    private static IEnumerable<JsonObject> ContainerStatuses(JsonObject pod) => (pod.At("status.containerStatuses") as JsonArray ?? []).OfType<JsonObject>();

    [LoggerMessage(Level = LogLevel.Error, Message = "pod {Namespace}/{Name} failed")]
    private static partial void LogPodFailed(ILogger logger, string @namespace, string name, Exception exception);
}

/// <summary>A pod with running containers: what the GPU exporter and Prometheus discovery need of it.</summary>
internal sealed record RunningPod(string Namespace, string Name, IPAddress Address, string? Owner, IReadOnlyList<SimulatedEngine> Engines);

/// <summary>The kubelet's state of one pod.</summary>
internal sealed class PodRuntime(string ns, string name, IPAddress address, string? owner)
{
    private readonly CancellationTokenSource _terminate = new();
    private readonly System.Threading.Channels.Channel<bool> _kills = System.Threading.Channels.Channel.CreateUnbounded<bool>();

    public string Namespace { get; } = ns;

    public string Name { get; } = name;

    public string Key => ObjectStore.KeyOf(Namespace, Name);

    public IPAddress Address { get; } = address;

    public string? Owner { get; } = owner;

    public ConcurrentDictionary<string, SimulatedEngine> Engines { get; } = new();

    public Task Task { get; set; } = Task.CompletedTask;

    public CancellationToken Terminating => _terminate.Token;

    public void RequestTermination() => _terminate.Cancel();

    public Task KillAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _kills.Writer.TryWrite(true);
        return Task.CompletedTask;
    }

    /// <summary>True when the container was killed (and should restart), false when the pod is terminating.</summary>
    public async Task<bool> WaitForKillOrTerminationAsync()
    {
        try
        {
            return await _kills.Reader.ReadAsync(_terminate.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async Task StopEnginesAsync()
    {
        var engines = Engines.Values.ToList();
        Engines.Clear();
        foreach (var engine in engines)
        {
            await engine.DisposeAsync();
        }
    }
}
