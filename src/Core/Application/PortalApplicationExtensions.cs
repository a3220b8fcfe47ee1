using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Application.Benchmarks;
using Portal.Application.Deployments;
using Portal.Application.Maintenance;
using Portal.Application.Reconcile;
using Portal.Application.Security;
using Portal.Domain.Manifests;

namespace Portal.Application;

public static class PortalApplicationExtensions
{
    /// <summary>Registers the commands, the work jobs carry out, reconcile and their options; the ports are the infrastructure's to register.</summary>
    public static IServiceCollection AddPortalApplication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobOptions>().Bind(configuration.GetSection(JobOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<NamespaceOptions>().Bind(configuration.GetSection(NamespaceOptions.Section));
        services.AddOptions<ReconcileOptions>().Bind(configuration.GetSection(ReconcileOptions.Section))
            .Validate(o => o.IsValid(), "Reconcile:Interval must divide a minute (like 00:00:15) or an hour (like 00:05:00).")
            .ValidateOnStart();
        services.AddOptions<RenderOptions>().Configure(o => configuration.GetSection("Manifests").Bind(o));

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DeploymentChanges>();
        services.AddSingleton<ReconcileSignal>();
        services.AddSingleton<ReconcileGate>();
        services.AddSingleton<DeploymentMetrics>();
        services.AddSingleton<DeploymentQueries>();
        services.AddSingleton<DeploymentInsights>();
        services.AddSingleton<Autoscaling.ModelWaker>();
        services.AddSingleton<Autoscaling.AutoscalingInsights>();
        services.AddScoped<DeploymentCommands>();
        services.AddTransient<DeploymentExecutor>();
        services.AddTransient<ReconcileRunner>();
        services.AddTransient<OperationRetention>();
        services.AddMemoryCache();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<SetupState>();
        services.AddPortalBenchmarks();
        return services;
    }

    /// <summary>Benchmark runs: the commands, queries and the runner a job executes; live progress and cancellation in process.</summary>
    public static IServiceCollection AddPortalBenchmarks(this IServiceCollection services)
    {
        services.AddSingleton<BenchmarkProgress>();
        services.AddSingleton<BenchmarkCancellations>();
        services.AddSingleton<BenchmarkQueries>();
        services.AddScoped<BenchmarkCommands>();
        services.AddTransient<StepMetricsReader>();
        services.AddTransient<BenchmarkRunner>();
        services.AddTransient<BenchmarkRecovery>();
        return services;
    }
}
