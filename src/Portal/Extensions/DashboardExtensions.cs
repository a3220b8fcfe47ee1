using Portal.Domain.Monitoring;
using Portal.Infrastructure.Prometheus;
using Portal.Services.Dashboard;

namespace Portal.Extensions;

public static class DashboardExtensions
{
    /// <summary>
    /// The live GPU dashboard: the Prometheus client (<c>Prometheus</c> section), the metric catalog built from the
    /// engine profiles, and the per-page sessions (<c>Dashboard</c> section), all options validated at start-up.
    /// </summary>
    public static IServiceCollection AddPortalDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddPrometheusClient(configuration);
        services.AddOptions<DashboardOptions>()
            .Bind(configuration.GetSection(DashboardOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(MetricCatalog.Default);
        services.AddTransient<DashboardLoader>();
        services.AddSingleton<DashboardSessionFactory>();
        return services;
    }
}
