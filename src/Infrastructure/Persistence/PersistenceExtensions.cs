using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Application.Ports;

namespace Portal.Infrastructure.Persistence;

public static class PersistenceExtensions
{
    /// <summary>Registers the portal database (SQLite by default) and the stores behind the application's persistence ports.</summary>
    public static IServiceCollection AddPortalPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>()
            .Configure(o =>
            {
                var read = DatabaseOptions.From(configuration);
                o.Provider = read.Provider;
                o.ConnectionString = read.ConnectionString;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddDbContextFactory<PortalDb>((provider, options) => options.UsePortalDatabase(provider.GetRequiredService<IOptions<DatabaseOptions>>().Value));
        services.AddSingleton<IDeploymentStore, DeploymentStore>();
        services.AddSingleton<IReconcileStore, ReconcileStore>();
        services.AddSingleton<IOperationLog, OperationLog>();
        services.AddSingleton<IApiKeyStore, ApiKeyStore>();
        services.AddOptions<LiveUpdateOptions>().Bind(configuration.GetSection(LiveUpdateOptions.Section));
        services.AddHostedService<DeploymentChangePoller>();
        return services;
    }
}
