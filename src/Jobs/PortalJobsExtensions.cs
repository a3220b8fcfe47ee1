using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Manifests;
using Portal.Jobs.Cluster;
using Portal.Jobs.Deployments;
using Portal.Jobs.Maintenance;
using Portal.Jobs.Reconcile;

namespace Portal.Jobs;

public static class PortalJobsExtensions
{
    /// <summary>Registers cluster access, the deployment jobs, reconcile and their options (the Hangfire server itself is the host's).</summary>
    public static IServiceCollection AddPortalJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KubernetesOptions>().Bind(configuration.GetSection(KubernetesOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobOptions>().Bind(configuration.GetSection(JobOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ReconcileOptions>().Bind(configuration.GetSection(ReconcileOptions.Section))
            .Validate(o => o.IsValid(), "Reconcile:Interval must divide a minute (like 00:00:15) or an hour (like 00:05:00).")
            .ValidateOnStart();
        services.AddOptions<RenderOptions>().Configure(o => configuration.GetSection("Manifests").Bind(o));

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DeploymentChanges>();
        services.AddHttpClient(PodAddressing.EngineHttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);

        services.AddTransient<TransientRetryHandler>();
        services.AddSingleton<ClusterConnection>();
        services.AddSingleton<ClusterWriter>();
        services.AddSingleton<ClusterLimitsProvider>();
        services.AddSingleton<PodAddressing>();
        services.AddSingleton<ClusterSnapshotReader>();
        services.AddSingleton<DeploymentLock>();
        services.AddSingleton<ClusterRetry>();
        services.AddSingleton<JobScheduler>();
        services.AddSingleton<OperationLog>();
        services.AddSingleton<DeploymentMetrics>();
        services.AddSingleton<ReconcileSignal>();
        services.AddSingleton<ReconcileGate>();
        services.AddTransient<ModelPuller>();
        services.AddTransient<DeploymentJobs>();
        services.AddTransient<ReconcileJob>();
        services.AddTransient<PruneOperationsJob>();
        services.AddScoped<DeploymentCommands>();
        services.AddSingleton<ManagedPodInformer>();
        services.AddHostedService(provider => provider.GetRequiredService<ManagedPodInformer>());
        services.AddHostedService<ClusterWatcher>();
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
