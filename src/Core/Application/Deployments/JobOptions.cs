using System.ComponentModel.DataAnnotations;

namespace Portal.Application.Deployments;

/// <summary>Configuration section <c>Jobs</c>: how hard jobs retry transient cluster failures.</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    [Range(0, 20)]
    public int RetryAttempts { get; set; } = 6;

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a delete job waits for the StatefulSet's pods to go before leaving it to reconcile.</summary>
    public TimeSpan DeleteWait { get; set; } = TimeSpan.FromSeconds(20);
}
