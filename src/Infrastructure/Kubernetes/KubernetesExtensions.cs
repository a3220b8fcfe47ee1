using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Ports;

namespace Portal.Infrastructure.Kubernetes;

public static class KubernetesExtensions
{
    /// <summary>Registers the Kubernetes client and everything behind the application's cluster ports, plus the pod informer and the watches.</summary>
    public static IServiceCollection AddPortalKubernetes(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KubernetesOptions>().Bind(configuration.GetSection(KubernetesOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(PodAddressing.EngineHttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);

        services.AddTransient<TransientRetryHandler>();
        services.AddSingleton<ClusterConnection>();
        services.AddSingleton<ClusterRetry>();
        services.AddSingleton<IClusterResilience, ClusterResilience>();
        services.AddSingleton<IClusterWriter, ClusterWriter>();
        services.AddSingleton<IClusterLimits, ClusterLimitsProvider>();
        services.AddSingleton<IClusterInspector, DeploymentInspector>();
        services.AddSingleton<IClusterSnapshotReader, ClusterSnapshotReader>();
        services.AddSingleton<PodAddressing>();
        services.AddTransient<IModelPuller, ModelPuller>();
        services.AddSingleton<ManagedPodInformer>();
        services.AddSingleton<IPodDirectory>(provider => provider.GetRequiredService<ManagedPodInformer>());
        services.AddHostedService(provider => provider.GetRequiredService<ManagedPodInformer>());
        services.AddHostedService<ClusterWatcher>();
        return services;
    }
}
