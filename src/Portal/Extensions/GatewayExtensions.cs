using Microsoft.Extensions.Options;
using Portal.Gateway;
using Portal.Infrastructure.Kubernetes;
using Portal.Services.Playground;

namespace Portal.Extensions;

/// <summary>The OpenAI-compatible gateway (<c>/v1</c>) and the in-process client the playground uses.</summary>
public static class GatewayExtensions
{
    public static IServiceCollection AddPortalGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>()
            .Bind(configuration.GetSection(GatewayOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHttpForwarder();
        services.AddSingleton<GatewayRouteTable>();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton(provider => new GatewayRateLimiter(
            provider.GetRequiredService<IOptions<GatewayOptions>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<GatewayRateLimiter>>(),
            provider.GetService<Portal.Application.Ports.ISharedRateWindows>()));
        services.AddSingleton(provider => new EngineTransport(
            provider.GetRequiredService<PodAddressing>(),
            provider.GetRequiredService<IOptions<KubernetesOptions>>(),
            provider.GetRequiredService<IOptions<GatewayOptions>>().Value.ConnectTimeout));
        services.AddSingleton<ColdStartHold>();
        services.AddSingleton<GatewayHandler>();
        services.AddSingleton<GatewayClient>();
        services.AddSingleton<Portal.Application.Ports.IInferenceGateway, GatewayInferenceGateway>();
        services.AddSingleton<GatewayRouteSource>();
        services.AddHostedService(provider => provider.GetRequiredService<GatewayRouteSource>());
        services.AddSingleton<MarkdownRenderer>();
        services.AddSingleton<PlaygroundChat>();
        services.AddTransient<PlaygroundSession>();
        return services;
    }

    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder endpoints) => endpoints.MapGatewayEndpoints();
}
