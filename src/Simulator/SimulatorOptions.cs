namespace Portal.Simulator;

/// <summary>How a simulated cluster is shaped and how its engines behave. Every value has a usable default.</summary>
public sealed record SimulatorOptions
{
    /// <summary>Address of the Kubernetes API server; port 0 takes a free port.</summary>
    public string Listen { get; init; } = "127.0.0.1:0";

    public int Nodes { get; init; } = 2;

    public int GpusPerNode { get; init; } = 8;

    public string GpuModel { get; init; } = "NVIDIA H100 80GB HBM3";

    public long GpuMemoryMiB { get; init; } = 81559;

    /// <summary>Time from container start until the engine has loaded its weights and answers.</summary>
    public TimeSpan ModelLoadTime { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Time from pod scheduling until the container runs (image pull and container creation).</summary>
    public TimeSpan ContainerStartTime { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan TimeToFirstToken { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan InterTokenLatency { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Requests an engine runs at once; later ones wait in its queue.</summary>
    public int MaxBatch { get; init; } = 32;

    public TimeSpan OllamaPullDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often SGLang's health check looks for scheduler output (the real server: once a second); shorten it with <see cref="ProbeSecond"/>.</summary>
    public TimeSpan SglangHealthPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where to write the kubeconfig; null writes a temporary file.</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>Where to write the Prometheus file-SD targets; null writes a temporary file.</summary>
    public string? PrometheusSdPath { get; init; }

    /// <summary>Second octet of the 127.x.y.z range for pods and nodes; null picks one at random.</summary>
    public int? LoopbackOctet { get; init; }

    /// <summary>Fraction (0..1) of API requests answered with 500, from the start.</summary>
    public double ApiErrorRate { get; init; }

    /// <summary>Delay added to every API request, from the start.</summary>
    public TimeSpan ApiAddedLatency { get; init; }

    /// <summary>
    /// How long one second of a probe's timing (initialDelaySeconds, periodSeconds, timeoutSeconds) lasts here.
    /// One second, as on a real kubelet; tests shorten it so probes every "10 s" run every few milliseconds.
    /// </summary>
    public TimeSpan ProbeSecond { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The shortest real time a probe may take before it times out (zero: exactly timeoutSeconds × <see cref="ProbeSecond"/>).
    /// With probe seconds of a few milliseconds, a busy test machine can stall an engine for longer than a whole
    /// shortened timeout, failing probes no real kubelet would fail; tests that do not study timeouts set a floor.
    /// </summary>
    public TimeSpan ProbeTimeoutFloor { get; init; }

    /// <summary>The kubelet's first crash-loop back-off (its backOffPeriod, 10 s); it doubles on every crash.</summary>
    public TimeSpan CrashLoopBackOffBase { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest crash-loop back-off (the kubelet's MaxContainerBackOff, 300 s).</summary>
    public TimeSpan CrashLoopBackOffMax { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>The name the scheduler's events report as their reporting instance's host (default-scheduler-HOST).</summary>
    public string ControlPlaneHost { get; init; } = "control-plane";

    /// <summary>
    /// The Prometheus the simulated prometheus-adapter and KEDA query (base URL of its HTTP API); without one, HPAs
    /// on Pods or External metrics report FailedGetPodsMetric/FailedGetExternalMetric and ScaledObjects a TriggerError.
    /// </summary>
    public Uri? PrometheusUrl { get; init; }

    /// <summary>kube-controller-manager's --horizontal-pod-autoscaler-sync-period (15 s); tests shorten it.</summary>
    public TimeSpan HpaSyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>--horizontal-pod-autoscaler-tolerance (0.1): no rescale while the ratio is within it.</summary>
    public double HpaTolerance { get; init; } = 0.1;

    /// <summary>--horizontal-pod-autoscaler-downscale-stabilization (5 minutes), for HPAs without a scale-down window of their own.</summary>
    public TimeSpan HpaDownscaleStabilization { get; init; } = TimeSpan.FromMinutes(5);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
