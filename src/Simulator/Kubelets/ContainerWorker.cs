using System.Text.Json.Nodes;
using Portal.Simulator.Api;
using Portal.Simulator.Controllers;
using Portal.Simulator.Engines;

namespace Portal.Simulator.Kubelets;

/// <summary>What a container worker needs from the kubelet around it.</summary>
internal interface IContainerHost
{
    TimeProvider Time { get; }

    SimulatorOptions Options { get; }

    Prober Prober { get; }

    /// <summary>Starts the container's process: its engine, or null when a crash-loop fault is set.</summary>
    SimulatedEngine? StartProcess(PodRuntime pod, JsonObject container);

    /// <summary>The log lines a crash-looping container prints before it exits, or null when it runs normally.</summary>
    IReadOnlyList<string>? CrashLoopLines(PodRuntime pod);

    void UpdateStatus(PodRuntime pod, string container, Action<JsonObject> change);

    void Event(PodRuntime pod, string container, string type, string reason, string message);
}

/// <summary>
/// The kubelet's handling of one container: start it, run its startup, readiness and liveness probes with
/// the pod spec's timing and thresholds, restart it when it exits or fails liveness (restartPolicy Always),
/// and hold it in CrashLoopBackOff between restarts.
/// </summary>
internal sealed class ContainerWorker(PodRuntime pod, JsonObject container, IContainerHost host)
{
    private readonly Lock _lock = new();
    private readonly List<ContainerInstance> _instances = [];
    private readonly CrashLoopBackOff _backOff = new(host.Options.CrashLoopBackOffBase, host.Options.CrashLoopBackOffMax);

    public string Name { get; } = (string?)container["name"] ?? "";

    public ContainerInstance? Current
    {
        get
        {
            lock (_lock)
            {
                return _instances.Count > 0 ? _instances[^1] : null;
            }
        }
    }

    /// <summary>The instance before the current one: what <c>kubectl logs --previous</c> reads.</summary>
    public ContainerInstance? Previous
    {
        get
        {
            lock (_lock)
            {
                return _instances.Count > 1 ? _instances[^2] : null;
            }
        }
    }

    private TimeProvider Time => host.Time;

    private string PodRef => $"{pod.Name}_{pod.Namespace}({pod.Uid})";

    public async Task RunAsync(CancellationToken ct)
    {
        var restarts = 0;
        JsonObject? lastTerminated = null;
        while (!ct.IsCancellationRequested)
        {
            var instance = Start(restarts, lastTerminated);
            ContainerExit exit;
            try
            {
                exit = await RunInstanceAsync(instance, ct);
            }
            finally
            {
                await StopAsync(instance);
            }

            var finishedAt = Time.GetUtcNow();
            lastTerminated = new JsonObject
            {
                ["exitCode"] = exit.ExitCode,
                ["reason"] = exit.Reason,
                ["startedAt"] = Timestamps.Format(instance.StartedAt),
                ["finishedAt"] = Timestamps.Format(finishedAt),
                ["containerID"] = instance.ContainerId,
            };
            var terminated = lastTerminated;
            host.UpdateStatus(pod, Name, status =>
            {
                status["state"] = new JsonObject { ["terminated"] = terminated.DeepClone() };
                status["ready"] = false;
                status["started"] = false;
            });

            // kuberuntime doBackOff: wait while the exit is within the back-off, then Next() and start again.
            while (_backOff.IsInBackOffSince(finishedAt, Time.GetUtcNow()))
            {
                var backOff = _backOff.Current;
                host.UpdateStatus(pod, Name, status =>
                {
                    status["lastState"] = new JsonObject { ["terminated"] = terminated.DeepClone() };
                    status["state"] = new JsonObject
                    {
                        ["waiting"] = new JsonObject
                        {
                            ["reason"] = "CrashLoopBackOff",
                            ["message"] = $"back-off {GoDuration.Format(backOff)} restarting failed container={Name} pod={PodRef}",
                        },
                    };
                });
                host.Event(pod, Name, "Warning", "BackOff", $"Back-off restarting failed container {Name} in pod {PodRef}");
                var remaining = finishedAt + backOff - Time.GetUtcNow();
                if (remaining > TimeSpan.Zero)
                {
                    await Task.Delay(remaining, Time, ct);
                }
            }

            _backOff.Next(finishedAt, Time.GetUtcNow());
            restarts++;
        }
    }

    /// <summary>Ends the running instance with the given exit (a crash or kill fault); the task completes once it is gone.</summary>
    public Task Exit(ContainerExit exit)
    {
        if (Current is not { } instance)
        {
            return Task.CompletedTask;
        }

        instance.Exit(exit);
        return instance.Stopped;
    }

    /// <summary>The running instance prints the crash-loop lines and exits 1, as every later start will.</summary>
    public void CrashNow(IReadOnlyList<string> lines)
    {
        if (Current is { } instance && !instance.Exited.IsCompleted)
        {
            foreach (var line in lines)
            {
                instance.Log.Write(line);
            }

            instance.Exit(ContainerExit.Crashed);
        }
    }

    private ContainerInstance Start(int restarts, JsonObject? lastTerminated)
    {
        var image = (string?)container["image"] ?? "";
        host.Event(pod, Name, "Normal", "Pulled", $"Container image \"{image}\" already present on machine");
        host.Event(pod, Name, "Normal", "Created", $"Created container: {Name}");
        var crashLines = host.CrashLoopLines(pod);
        var engine = crashLines is null ? host.StartProcess(pod, container) : null;
        var instance = new ContainerInstance($"containerd://{Guid.NewGuid():N}{Guid.NewGuid():N}", engine?.Log ?? new ContainerLog(), engine, Time.GetUtcNow());
        var startup = ProbeSpec.Of(container, ProbeKind.Startup);
        var readiness = ProbeSpec.Of(container, ProbeKind.Readiness);
        instance.Started = startup is null;
        lock (_lock)
        {
            _instances.Add(instance);
            if (_instances.Count > 2)
            {
                _instances.RemoveAt(0);
            }
        }

        host.Event(pod, Name, "Normal", "Started", $"Started container {Name}");
        host.UpdateStatus(pod, Name, status =>
        {
            status["containerID"] = instance.ContainerId;
            status["imageID"] = $"{image}@sha256:{Guid.NewGuid():N}{Guid.NewGuid():N}";
            status["restartCount"] = restarts;
            status["started"] = instance.Started;
            status["ready"] = instance.Started && readiness is null;
            status["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Timestamps.Format(instance.StartedAt) } };
            status["lastState"] = lastTerminated is null ? new JsonObject() : new JsonObject { ["terminated"] = lastTerminated.DeepClone() };
        });
        if (crashLines is not null)
        {
            foreach (var line in crashLines)
            {
                instance.Log.Write(line);
            }

            instance.Exit(ContainerExit.Crashed);
        }

        return instance;
    }

    private async Task<ContainerExit> RunInstanceAsync(ContainerInstance instance, CancellationToken ct)
    {
        using var probing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var probes = new[] { ProbeKind.Startup, ProbeKind.Readiness, ProbeKind.Liveness }
            .Select(kind => ProbeSpec.Of(container, kind))
            .OfType<ProbeSpec>()
            .Select(spec => ProbeLoopAsync(instance, spec, probing.Token))
            .ToList();
        try
        {
            return await instance.Exited.WaitAsync(ct);
        }
        finally
        {
            await probing.CancelAsync();
            await Task.WhenAll(probes);
        }
    }

    private TimeSpan ProbeTimeout(ProbeSpec spec)
    {
        var timeout = host.Options.ProbeSecond * spec.TimeoutSeconds;
        return timeout < host.Options.ProbeTimeoutFloor ? host.Options.ProbeTimeoutFloor : timeout;
    }

    /// <summary>One probe worker (pkg/kubelet/prober/worker.go): first run at once, then every periodSeconds.</summary>
    private async Task ProbeLoopAsync(ContainerInstance instance, ProbeSpec spec, CancellationToken ct)
    {
        var second = host.Options.ProbeSecond;
        var period = second * spec.PeriodSeconds;
        bool? last = null;
        var run = 0;
        try
        {
            while (!ct.IsCancellationRequested && !instance.Exited.IsCompleted)
            {
                var sinceStart = Time.GetUtcNow() - instance.StartedAt;
                var gated = sinceStart < second * spec.InitialDelaySeconds
                    || (spec.Kind == ProbeKind.Startup ? instance.Started : !instance.Started);
                if (spec.Kind == ProbeKind.Startup && instance.Started)
                {
                    return;
                }

                if (!gated)
                {
                    var result = await host.Prober.ProbeAsync(pod.Address, container, spec, ProbeTimeout(spec), instance.Engine, ct);
                    if (instance.Exited.IsCompleted || ct.IsCancellationRequested)
                    {
                        return;
                    }

                    if (!result.Success)
                    {
                        host.Event(pod, Name, "Warning", "Unhealthy", $"{spec.Name} probe failed: {result.Output}");
                    }

                    run = last == result.Success ? run + 1 : 1;
                    last = result.Success;
                    var threshold = result.Success ? spec.SuccessThreshold : spec.FailureThreshold;
                    if (run >= threshold && Apply(instance, spec, result.Success))
                    {
                        return;
                    }
                }

                await Task.Delay(period, Time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Acts on a probe result that crossed its threshold; true when this probe worker is done with the instance.</summary>
    private bool Apply(ContainerInstance instance, ProbeSpec spec, bool success)
    {
        switch (spec.Kind, success)
        {
            case (ProbeKind.Startup, true):
                instance.Started = true;
                var hasReadiness = ProbeSpec.Of(container, ProbeKind.Readiness) is not null;
                host.UpdateStatus(pod, Name, status =>
                {
                    status["started"] = true;
                    status["ready"] = !hasReadiness;
                });
                return true;
            case (ProbeKind.Readiness, _):
                host.UpdateStatus(pod, Name, status => status["ready"] = success);
                return false;
            case (ProbeKind.Liveness, true):
                return false;
            default:
                host.Event(pod, Name, "Normal", "Killing", $"Container {Name} failed {spec.Name.ToLowerInvariant()} probe, will be restarted");
                instance.Exit(ContainerExit.Killed);
                return true;
        }
    }

    private static async Task StopAsync(ContainerInstance instance)
    {
        if (instance.Engine is { } engine)
        {
            // A process that died (SIGKILL from a failed probe or a kill, or a crash) serves nothing more: its sockets
            // are reset at once. Only a stop (the pod deleted, SIGTERM) lets open requests drain.
            var died = instance.Exited is { IsCompletedSuccessfully: true, Result.ExitCode: not 0 };
            await engine.StopAsync(killed: died);
        }

        instance.MarkStopped();

        instance.Log.CloseFollowers();
    }
}
