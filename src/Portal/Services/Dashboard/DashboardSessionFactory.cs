using Microsoft.Extensions.Options;
using Portal.Application.Deployments;
using Portal.Domain.Monitoring;

namespace Portal.Services.Dashboard;

/// <summary>Creates the <see cref="DashboardSession"/> a dashboard component owns (and disposes) for its filter.</summary>
public sealed class DashboardSessionFactory(
    IServiceProvider services,
    DeploymentQueries queries,
    MetricCatalog catalog,
    IOptions<DashboardOptions> options,
    TimeProvider time,
    ILogger<DashboardSession> logger)
{
    public DashboardSession Create(DashboardFilter filter, bool gatewayCrossCheck = false) =>
        new(services.GetRequiredService<DashboardLoader>(), queries, catalog, options, time, logger, filter, gatewayCrossCheck);
}
