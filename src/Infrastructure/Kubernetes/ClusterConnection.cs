using k8s;
using Microsoft.Extensions.Options;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// The one place that owns the Kubernetes client: built once from configuration
/// (explicit kubeconfig, <c>KUBECONFIG</c>, <c>~/.kube/config</c>, or in-cluster).
/// </summary>
public sealed class ClusterConnection : IDisposable
{
    private readonly Lazy<(IKubernetes Client, KubernetesClientConfiguration Config)> _client;

    public ClusterConnection(IOptions<KubernetesOptions> options, TransientRetryHandler retryHandler)
    {
        var settings = options.Value;
        _client = new Lazy<(IKubernetes, KubernetesClientConfiguration)>(() =>
        {
            var config = BuildConfiguration(settings);
            config.HttpClientTimeout = TimeSpan.FromSeconds(settings.RequestTimeoutSeconds);
            return (new k8s.Kubernetes(config, retryHandler), config);
        });
    }

    public IKubernetes Client => _client.Value.Client;

    /// <summary>The API server address, for the pod proxy path.</summary>
    public Uri ApiServer => new(_client.Value.Config.Host);

    public static KubernetesClientConfiguration BuildConfiguration(KubernetesOptions settings)
    {
        var explicitPath = !string.IsNullOrWhiteSpace(settings.Kubeconfig) ? settings.Kubeconfig
            : Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } env ? env.Split(Path.PathSeparator)[0]
            : null;
        if (explicitPath is not null)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(explicitPath, NullIfEmpty(settings.Context));
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (File.Exists(home))
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(home, NullIfEmpty(settings.Context));
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        throw new InvalidOperationException(
            "No Kubernetes configuration: set Kubernetes:Kubeconfig, KUBECONFIG, create ~/.kube/config, or run the portal in a pod.");
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Client.Dispose();
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
