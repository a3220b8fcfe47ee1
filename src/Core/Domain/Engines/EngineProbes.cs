namespace Portal.Domain.Engines;

/// <summary>One HTTP GET probe on the engine's container port.</summary>
public sealed record ProbeSettings(
    string Path,
    int PeriodSeconds,
    int FailureThreshold,
    int TimeoutSeconds = 5,
    int InitialDelaySeconds = 0)
{
    /// <summary>How long the probe tolerates failure before it acts.</summary>
    public TimeSpan Budget => TimeSpan.FromSeconds(InitialDelaySeconds + PeriodSeconds * FailureThreshold);
}

/// <summary>
/// Startup is generous (downloading and loading weights takes minutes); readiness and
/// liveness only start once startup has passed.
/// </summary>
public sealed record EngineProbes(ProbeSettings Startup, ProbeSettings Readiness, ProbeSettings Liveness);
