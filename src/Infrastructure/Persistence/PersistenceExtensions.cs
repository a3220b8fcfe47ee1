using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Ports;

namespace Portal.Infrastructure.Persistence;

public static class PersistenceExtensions
{
    /// <summary>Registers the portal database (SQLite by default) and the stores behind the application's persistence ports.</summary>
    public static IServiceCollection AddPortalPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Portal") ?? PortalDatabase.DefaultSqliteConnectionString;
        services.AddDbContextFactory<PortalDb>(options => options.UsePortalSqlite(connectionString));
        services.AddSingleton<IDeploymentStore, DeploymentStore>();
        services.AddSingleton<IReconcileStore, ReconcileStore>();
        services.AddSingleton<IOperationLog, OperationLog>();
        services.AddSingleton<IApiKeyStore, ApiKeyStore>();
        services.AddSingleton<IBenchmarkStore, BenchmarkStore>();
        services.AddOptions<LiveUpdateOptions>().Bind(configuration.GetSection(LiveUpdateOptions.Section));
        services.AddHostedService<DeploymentChangePoller>();
        return services;
    }
}
