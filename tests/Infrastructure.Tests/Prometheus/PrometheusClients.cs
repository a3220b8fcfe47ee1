using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Prometheus;

namespace Portal.Infrastructure.Tests.Prometheus;

/// <summary>A <see cref="PrometheusClient"/> built the way the portal builds it: options, typed HttpClient, resilience handler.</summary>
internal static class PrometheusClients
{
    public static PrometheusClient Create(Uri? url, IDictionary<string, string?>? settings = null) =>
        Services(url, settings).GetRequiredService<PrometheusClient>();

    public static ServiceProvider Services(Uri? url, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>();
        if (url is not null)
        {
            all["Prometheus:Url"] = url.ToString();
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        return new ServiceCollection().AddLogging().AddPrometheusClient(configuration).BuildServiceProvider();
    }
}
