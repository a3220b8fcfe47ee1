using k8s.Models;
using Microsoft.Extensions.Options;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// How the portal reaches one engine pod: its pod IP (in the cluster) or the API server's pod
/// proxy (outside it). Both give a base URI that engine paths such as <c>v1/chat/completions</c> append to.
/// </summary>
public sealed class PodAddressing(ClusterConnection connection, IOptions<KubernetesOptions> options)
{
    public ServiceAccessMode Mode => options.Value.ServiceAccess;

    public Uri BaseUri(V1Pod pod, int port) => Mode switch
    {
        ServiceAccessMode.ApiServerProxy => new Uri(connection.ApiServer,
            $"api/v1/namespaces/{pod.Namespace()}/pods/{pod.Name()}:{port}/proxy/"),
        _ => new Uri($"http://{pod.Status?.PodIP ?? throw new InvalidOperationException($"pod {pod.Name()} has no IP yet")}:{port}/"),
    };

    /// <summary>
    /// An HttpClient for <see cref="BaseUri"/>: through the proxy it must carry the API server's
    /// credentials, so it is the Kubernetes client's own; to pod IPs it is a plain one.
    /// </summary>
    public HttpClient HttpClientFor(IHttpClientFactory factory) => Mode == ServiceAccessMode.ApiServerProxy
        ? ((k8s.Kubernetes)connection.Client).HttpClient
        : factory.CreateClient(EngineHttpClientName);

    public const string EngineHttpClientName = "engines";
}
