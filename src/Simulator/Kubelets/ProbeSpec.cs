using System.Text.Json.Nodes;
using Portal.Simulator.Api;

namespace Portal.Simulator.Kubelets;

internal enum ProbeKind
{
    Startup,
    Readiness,
    Liveness,
}

/// <summary>One container probe as the pod spec gives it, with the API server's defaults for what it leaves out.</summary>
internal sealed record ProbeSpec(
    ProbeKind Kind,
    JsonObject Handler,
    int InitialDelaySeconds,
    int PeriodSeconds,
    int TimeoutSeconds,
    int SuccessThreshold,
    int FailureThreshold)
{
    /// <summary>The name kubelet events use: "Startup probe failed: …".</summary>
    public string Name => Kind.ToString();

    public static ProbeSpec? Of(JsonObject container, ProbeKind kind)
    {
        var field = kind switch
        {
            ProbeKind.Startup => "startupProbe",
            ProbeKind.Readiness => "readinessProbe",
            _ => "livenessProbe",
        };
        if (container[field] is not JsonObject probe)
        {
            return null;
        }

        static int Positive(JsonObject probe, string name, int fallback) => probe.Long(name) is > 0 and var v ? (int)v : fallback;

        // SetDefaults_Probe: timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3.
        return new ProbeSpec(
            kind,
            probe,
            (int?)probe.Long("initialDelaySeconds") ?? 0,
            Positive(probe, "periodSeconds", 10),
            Positive(probe, "timeoutSeconds", 1),
            kind == ProbeKind.Readiness ? Positive(probe, "successThreshold", 1) : 1,
            Positive(probe, "failureThreshold", 3));
    }
}

/// <summary>The outcome of running a probe once, with the text kubelet puts in its Unhealthy event.</summary>
internal sealed record ProbeResult(bool Success, string Output);
