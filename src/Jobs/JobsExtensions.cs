using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Application.Ports;
using Portal.Application.Reconcile;

namespace Portal.Jobs;

public static class JobsExtensions
{
    /// <summary>The schema of Hangfire's tables in the portal's PostgreSQL database.</summary>
    public const string PostgreSqlSchema = "hangfire";

    /// <summary>
    /// Registers Hangfire (this host's own storage and activator: in memory, or in the portal's PostgreSQL database so
    /// every replica shares jobs, recurring jobs and locks), the job queue and locks, the jobs, and the in-process reconcile trigger.
    /// </summary>
    public static IServiceCollection AddPortalJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(HangfireOptions.Section).Get<HangfireOptions>() ?? new HangfireOptions();
        services.AddOptions<HangfireOptions>().Bind(configuration.GetSection(HangfireOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var storage = options.StorageFor(IsPostgreSqlDatabase(configuration));
        services.AddSingleton(new JobStorageChoice(storage));
        if (storage == JobStorageKind.PostgreSql)
        {
            AddPostgreSqlStorage(services, configuration, options);
        }
        else
        {
            // The storage is this host's own singleton, not Hangfire's static JobStorage.Current, so several portal
            // hosts in one process (the tests) never run each other's jobs.
            services.AddSingleton<JobStorage>(_ => new InMemoryStorage(new InMemoryStorageOptions
            {
                MaxExpirationTime = TimeSpan.FromHours(6),
                IdType = InMemoryStorageIdType.Guid, // an id from before a restart can never name a new job
            }));
            services.AddSingleton<IWorkLocks, HangfireWorkLocks>();
        }

        // Likewise the activator: jobs resolve their services from this host, never from another host's
        // container through Hangfire's static JobActivator.Current.
        services.AddSingleton<JobActivator>(provider => new AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((provider, hangfire) => hangfire
            .UseLogProvider(new HangfireLogProvider(provider.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        if (options.ServerEnabled)
        {
            var reconcileInterval = configuration.GetSection(ReconcileOptions.Section).GetValue("Interval", TimeSpan.FromSeconds(15));
            services.AddHangfireServer(server =>
            {
                server.WorkerCount = options.WorkerCount;
                server.ServerName = $"portal:{Environment.MachineName}:{Environment.ProcessId}";
                // Recurring jobs are checked this often: no less often than reconcile runs.
                server.SchedulePollingInterval = reconcileInterval < TimeSpan.FromSeconds(15) ? reconcileInterval : TimeSpan.FromSeconds(15);
            });
        }

        services.AddSingleton<IJobQueue, HangfireJobQueue>();
        services.AddTransient<DeploymentJobs>();
        services.AddSingleton<IBenchmarkJobs, HangfireBenchmarkJobs>();
        services.AddTransient<BenchmarkJobs>();
        services.AddHostedService<RecoverBenchmarksOnStart>();
        services.AddTransient<ReconcileJob>();
        services.AddTransient<PruneOperationsJob>();
        services.AddHostedService<ReconcileOnSignal>();
        return services;
    }

    /// <summary>Creates or upgrades Hangfire's tables when jobs live in PostgreSQL; nothing to do in memory. Run it once, under the start-up lock.</summary>
    public static async Task PrepareJobStorageAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<JobStorageChoice>().Kind != JobStorageKind.PostgreSql)
        {
            return;
        }

        await using var connection = await services.GetRequiredService<JobsDataSource>().Source.OpenConnectionAsync(cancellationToken);
        PostgreSqlObjectsInstaller.Install(connection, PostgreSqlSchema);
    }

    /// <summary>Declares the recurring jobs; safe to call at every start (ids are stable).</summary>
    public static void AddPortalRecurringJobs(this IRecurringJobManager jobs, IServiceProvider services)
    {
        jobs.AddOrUpdate<PruneOperationsJob>(
            PruneOperationsJob.RecurringJobId,
            job => job.RunAsync(CancellationToken.None),
            Cron.Daily(3));
        jobs.AddOrUpdate<ReconcileJob>(
            ReconcileJob.RecurringJobId,
            job => job.RunAsync(CancellationToken.None),
            services.GetRequiredService<IOptions<ReconcileOptions>>().Value.Cron());
    }

    private static void AddPostgreSqlStorage(IServiceCollection services, IConfiguration configuration, HangfireOptions options)
    {
        var connectionString = configuration.GetConnectionString("Portal") ?? "";
        services.AddSingleton(_ => new JobsDataSource(NpgsqlDataSource.Create(connectionString)));
        services.AddSingleton<JobStorage>(_ =>
        {
            var storageOptions = new PostgreSqlStorageOptions
            {
                SchemaName = PostgreSqlSchema,
                QueuePollInterval = options.QueuePollInterval,
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = options.InvisibilityTimeout,
                DistributedLockTimeout = options.DistributedLockTimeout,
                // The portal installs the schema itself, once, under its start-up lock (PrepareJobStorageAsync).
                PrepareSchemaIfNecessary = false,
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
        });
        services.AddSingleton<IWorkLocks>(provider => new PostgreSqlWorkLocks(provider.GetRequiredService<JobsDataSource>().Source));
    }

    private static bool IsPostgreSqlDatabase(IConfiguration configuration) =>
        string.Equals(configuration["Database:Provider"]?.Trim(), "PostgreSql", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Which job storage this host uses, as resolved from Hangfire:Storage and Database:Provider.</summary>
public sealed record JobStorageChoice(JobStorageKind Kind);

/// <summary>The connections the jobs layer opens itself (advisory locks, schema install); disposed with the host.</summary>
public sealed class JobsDataSource(NpgsqlDataSource source) : IDisposable
{
    public NpgsqlDataSource Source { get; } = source;

    public void Dispose() => Source.Dispose();
}
