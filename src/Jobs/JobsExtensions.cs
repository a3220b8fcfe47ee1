using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Application.Ports;
using Portal.Application.Reconcile;

namespace Portal.Jobs;

public static class JobsExtensions
{
    /// <summary>Registers Hangfire (this host's own storage and activator), the job queue and locks, the jobs, and the in-process reconcile trigger.</summary>
    public static IServiceCollection AddPortalJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(HangfireOptions.Section).Get<HangfireOptions>() ?? new HangfireOptions();
        services.AddOptions<HangfireOptions>().Bind(configuration.GetSection(HangfireOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // The storage is this host's own singleton, not Hangfire's static JobStorage.Current, so several portal
        // hosts in one process (the tests) never run each other's jobs.
        services.AddSingleton<JobStorage>(_ => new InMemoryStorage(new InMemoryStorageOptions
        {
            MaxExpirationTime = TimeSpan.FromHours(6),
            IdType = InMemoryStorageIdType.Guid, // an id from before a restart can never name a new job
        }));
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
        services.AddSingleton<IWorkLocks, HangfireWorkLocks>();
        services.AddTransient<DeploymentJobs>();
        services.AddSingleton<IBenchmarkJobs, HangfireBenchmarkJobs>();
        services.AddTransient<BenchmarkJobs>();
        services.AddHostedService<RecoverBenchmarksOnStart>();
        services.AddTransient<ReconcileJob>();
        services.AddTransient<PruneOperationsJob>();
        services.AddHostedService<ReconcileOnSignal>();
        return services;
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
}
