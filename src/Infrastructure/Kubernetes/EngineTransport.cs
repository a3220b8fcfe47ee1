using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// The one HTTP connection pool to engine pods. Straight to pod IPs it is a plain
/// <see cref="SocketsHttpHandler"/>; through the API server's pod proxy it is the Kubernetes
/// client's own handler chain (TLS and client certificates) plus its credentials on each request.
/// </summary>
public sealed class EngineTransport : IDisposable
{
    private readonly Lazy<(HttpMessageInvoker Invoker, k8s.Kubernetes? Client)> _upstream;

    /// <param name="connectTimeout">How long connecting to a pod may take before the caller tries another.</param>
    public EngineTransport(PodAddressing addressing, IOptions<KubernetesOptions> kubernetes, TimeSpan connectTimeout)
    {
        ViaApiServer = addressing.Mode == ServiceAccessMode.ApiServerProxy;
        _upstream = new(() => ViaApiServer ? ThroughApiServer(kubernetes.Value) : (Direct(connectTimeout), null));
    }

    public bool ViaApiServer { get; }

    public HttpMessageInvoker Invoker => _upstream.Value.Invoker;

    /// <summary>
    /// A Kubernetes client of the gateway's own, whose handler chain (TLS, client certificate) ends in
    /// <see cref="Passthrough"/>: sending through that handler skips HttpClient's buffering.
    /// </summary>
    private static (HttpMessageInvoker, k8s.Kubernetes?) ThroughApiServer(KubernetesOptions settings)
    {
        var passthrough = new Passthrough();
        var client = new k8s.Kubernetes(ClusterConnection.BuildConfiguration(settings), passthrough);
        return (new HttpMessageInvoker(passthrough, disposeHandler: false), client);
    }

    private static HttpMessageInvoker Direct(TimeSpan connectTimeout) => new(new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                ConnectTimeout = connectTimeout,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                EnableMultipleHttp2Connections = true,
                ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
            }, disposeHandler: true);

    /// <summary>Adds the API server's credentials (a bearer token, when the kubeconfig has one) in proxy mode.</summary>
    public async ValueTask AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (ViaApiServer && _upstream.Value.Client?.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }
    }

    public void Dispose()
    {
        if (_upstream.IsValueCreated)
        {
            _upstream.Value.Invoker.Dispose();
            _upstream.Value.Client?.Dispose();
        }
    }

    private sealed class Passthrough : DelegatingHandler;
}
