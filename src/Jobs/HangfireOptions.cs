using System.ComponentModel.DataAnnotations;

namespace Portal.Jobs;

/// <summary>Configuration section <c>Hangfire</c>.</summary>
public sealed class HangfireOptions : IValidatableObject
{
    public const string Section = "Hangfire";

    /// <summary>Where jobs live; unset means <see cref="JobStorageKind.InMemory"/> on SQLite and <see cref="JobStorageKind.PostgreSql"/> on PostgreSQL.</summary>
    public JobStorageKind? Storage { get; set; }

    /// <summary>Worker threads of the in-portal Hangfire server.</summary>
    [Range(1, 64)]
    public int WorkerCount { get; set; } = 4;

    /// <summary>Run a Hangfire server (job worker) in this portal process; off for web-only replicas.</summary>
    public bool ServerEnabled { get; set; } = true;

    /// <summary>
    /// PostgreSQL storage: how often an idle worker looks for a job another replica enqueued (a job enqueued by this
    /// replica wakes its own workers at once). Hangfire.PostgreSql's own default is 15 s.
    /// </summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// PostgreSQL storage: a job whose replica died (stopped renewing its claim every fifth of this) is handed to another
    /// replica after this long. The claim slides while the job runs, so long jobs are never taken twice.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>PostgreSQL storage: a lock Hangfire itself took (recurring-job scheduling, state changes) and a dead replica left behind expires after this.</summary>
    public TimeSpan DistributedLockTimeout { get; set; } = TimeSpan.FromMinutes(1);

    public JobStorageKind StorageFor(bool postgreSqlDatabase) =>
        Storage ?? (postgreSqlDatabase ? JobStorageKind.PostgreSql : JobStorageKind.InMemory);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (QueuePollInterval < TimeSpan.FromMilliseconds(50) || QueuePollInterval > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Hangfire:QueuePollInterval must be between 00:00:00.050 and 00:01:00.", [nameof(QueuePollInterval)]);
        }

        if (InvisibilityTimeout < TimeSpan.FromSeconds(2) || InvisibilityTimeout > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Hangfire:InvisibilityTimeout must be between 00:00:02 and 01:00:00.", [nameof(InvisibilityTimeout)]);
        }

        if (DistributedLockTimeout < TimeSpan.FromSeconds(2) || DistributedLockTimeout > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Hangfire:DistributedLockTimeout must be between 00:00:02 and 01:00:00.", [nameof(DistributedLockTimeout)]);
        }
    }
}

public enum JobStorageKind
{
    InMemory,
    PostgreSql,
}
