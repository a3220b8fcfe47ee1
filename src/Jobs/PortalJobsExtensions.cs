using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Jobs.Maintenance;

namespace Portal.Jobs;

public static class PortalJobsExtensions
{
    /// <summary>Registers the portal's jobs and their options (the Hangfire server itself is the host's).</summary>
    public static IServiceCollection AddPortalJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>()
            .Bind(configuration.GetSection(RetentionOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddTransient<PruneOperationsJob>();
        return services;
    }

    /// <summary>Declares the recurring jobs; safe to call at every start (ids are stable).</summary>
    public static void AddPortalRecurringJobs(this IRecurringJobManager jobs)
    {
        jobs.AddOrUpdate<PruneOperationsJob>(
            PruneOperationsJob.RecurringJobId,
            job => job.RunAsync(CancellationToken.None),
            Cron.Daily(3));
    }
}
