namespace Portal.Jobs;

/// <summary>Configuration section <c>Hangfire</c>.</summary>
public sealed class HangfireOptions
{
    public const string Section = "Hangfire";

    public JobStorageKind Storage { get; set; } = JobStorageKind.InMemory;

    /// <summary>Worker threads of the in-portal Hangfire server.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 64)]
    public int WorkerCount { get; set; } = 4;

    /// <summary>Run a Hangfire server (job worker) in this portal process; off for web-only replicas.</summary>
    public bool ServerEnabled { get; set; } = true;
}

public enum JobStorageKind
{
    InMemory,
    PostgreSql,
}
