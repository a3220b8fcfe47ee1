using Portal.Simulator.Engines;

namespace Portal.Simulator.Kubelets;

/// <summary>How a container instance ended: its exit code and the runtime's reason.</summary>
internal sealed record ContainerExit(int ExitCode, string Reason)
{
    /// <summary>What containerd reports for a process killed with SIGKILL (liveness, startup, a kill fault).</summary>
    public static ContainerExit Killed { get; } = new(137, "Error");

    public static ContainerExit Crashed { get; } = new(1, "Error");
}

/// <summary>One run of a container: its ID, its output, the engine behind it (none for a crash-looping one) and how it ended.</summary>
internal sealed class ContainerInstance(string containerId, ContainerLog log, SimulatedEngine? engine, DateTimeOffset startedAt)
{
    private readonly TaskCompletionSource<ContainerExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string ContainerId { get; } = containerId;

    public ContainerLog Log { get; } = log;

    public SimulatedEngine? Engine { get; } = engine;

    public DateTimeOffset StartedAt { get; } = startedAt;

    /// <summary>Whether its startup probe has passed (or it has none).</summary>
    public bool Started { get; set; }

    public Task<ContainerExit> Exited => _exit.Task;

    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the process is gone: its engine stopped serving and its sockets are closed.</summary>
    public Task Stopped => _stopped.Task;

    public void MarkStopped() => _stopped.TrySetResult();

    public bool Exit(ContainerExit exit) => _exit.TrySetResult(exit);
}
