using Microsoft.Extensions.Options;
using Portal.Application.Deployments;
using Portal.Application.Monitoring;
using Portal.Application.Ports;
using Portal.Application.Security;
using Portal.Domain.Deployments;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Persistence;

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
