using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Application.Ports;

namespace Portal.Infrastructure.Persistence;

public static class PersistenceExtensions
{
    /// <summary>The Data Protection application name: every replica must use the same one to read each other's cookies.</summary>
    public const string DataProtectionApplicationName = "inference-portal";

    /// <summary>
    /// Registers the portal database (SQLite by default, or PostgreSQL per <c>Database:Provider</c>), the stores behind
    /// the application's persistence ports, the Data Protection key ring in the database, and on PostgreSQL what makes
    /// several replicas one portal: change notifications between them and the shared gateway rate windows.
    /// </summary>
    public static IServiceCollection AddPortalPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        var database = DatabaseOptions.From(configuration);
        services.AddOptions<DatabaseOptions>()
            .Configure(o =>
            {
                o.Provider = database.Provider;
                o.ConnectionString = database.ConnectionString;
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddDbContextFactory<PortalDb>((provider, options) => options.UsePortalDatabase(provider.GetRequiredService<IOptions<DatabaseOptions>>().Value));
        services.AddSingleton<PortalDatabaseInitializer>();
        services.AddSingleton<IDeploymentStore, DeploymentStore>();
        services.AddSingleton<IReconcileStore, ReconcileStore>();
        services.AddSingleton<IOperationLog, OperationLog>();
        services.AddSingleton<IApiKeyStore, ApiKeyStore>();
        services.AddSingleton<IBenchmarkStore, BenchmarkStore>();
        services.AddOptions<LiveUpdateOptions>().Bind(configuration.GetSection(LiveUpdateOptions.Section));
        services.AddHostedService<DeploymentChangePoller>();
        services.AddDataProtection()
            .SetApplicationName(DataProtectionApplicationName)
            .PersistKeysToDbContext<PortalDb>();

        if (string.Equals(database.Provider, nameof(DatabaseProvider.PostgreSql), StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton(provider => new PostgreSqlDataSource(provider.GetRequiredService<IOptions<DatabaseOptions>>().Value));
            services.AddSingleton<PostgreSqlReplicaChannel>();
            services.AddHostedService(provider => provider.GetRequiredService<PostgreSqlReplicaChannel>());
            services.AddSingleton<ISharedRateWindows, PostgreSqlRateWindows>();
        }

        return services;
    }
}
