using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Persistence;
using Portal.Jobs;

namespace Portal.Options;

/// <summary>Configuration section <c>Portal</c>: how many replicas of this portal run side by side (the Helm chart sets its replicaCount).</summary>
public sealed class ScaleOutOptions
{
    public const string Section = "Portal";

    [Range(1, 100)]
    public int ExpectReplicas { get; set; } = 1;
}

/// <summary>
/// Refuses, at start-up, a configuration that cannot be safe with several replicas: each would have its own SQLite file
/// or in-memory job storage, so two replicas would run jobs for the same deployment and never see each other's work.
/// </summary>
public sealed class ScaleOutValidation(IOptions<DatabaseOptions> database, JobStorageChoice jobs) : IValidateOptions<ScaleOutOptions>
{
    public ValidateOptionsResult Validate(string? name, ScaleOutOptions options)
    {
        var failures = new List<string>();
        var onPostgres = string.Equals(database.Value.Provider, nameof(DatabaseProvider.PostgreSql), StringComparison.OrdinalIgnoreCase);
        if (options.ExpectReplicas > 1 && !onPostgres)
        {
            failures.Add($"Portal:ExpectReplicas is {options.ExpectReplicas} but Database:Provider is {database.Value.Provider}: an SQLite file belongs to one process, " +
                         "so the replicas would neither share deployments nor coordinate their jobs. Set Database:Provider=PostgreSql with ConnectionStrings:Portal naming the server, or run one replica.");
        }

        if (options.ExpectReplicas > 1 && jobs.Kind == JobStorageKind.InMemory)
        {
            failures.Add($"Portal:ExpectReplicas is {options.ExpectReplicas} but Hangfire:Storage is InMemory: each replica would keep its own job queue and locks, " +
                         "so two replicas could run jobs for the same deployment at once. Set Hangfire:Storage=PostgreSql (or leave it unset with Database:Provider=PostgreSql).");
        }

        if (jobs.Kind == JobStorageKind.PostgreSql && !onPostgres)
        {
            failures.Add("Hangfire:Storage is PostgreSql, which keeps jobs in the portal's PostgreSQL database (schema hangfire): set Database:Provider=PostgreSql too.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
