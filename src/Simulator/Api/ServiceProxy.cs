using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Portal.Simulator.Api;

/// <summary>
/// The <c>services/{name}:{port}/proxy</c> and <c>pods/{name}:{port}/proxy</c> subresources: forwards any
/// method to a ready pod behind the Service (or the named pod) and streams the answer back as it comes.
/// </summary>
internal sealed class ServiceProxy(ResourceApi api, IHttpForwarder forwarder) : IDisposable
{
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ActivityHeadersPropagator = null,
    });

    private readonly ForwarderRequestConfig _config = new()
    {
        ActivityTimeout = TimeSpan.FromMinutes(10),
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    private int _roundRobin;

    public async Task ForwardAsync(HttpContext context, ApiRequest request)
    {
        var destination = request.Type == ResourceTypes.Services ? ServiceDestination(request) : PodDestination(request);
        var error = await forwarder.SendAsync(context, destination, _client, _config, new PathTransformer(request.SubPath));
        if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            throw ApiException.ServiceUnavailable($"error trying to reach service: {context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? error.ToString()}");
        }
    }

    public void Dispose() => _client.Dispose();

    private string ServiceDestination(ApiRequest request)
    {
        var (name, port) = SplitNamePort(request.Name!);
        var service = api.Get(ResourceTypes.Services, request.Namespace!, name);
        var ports = (service.Object.At("spec.ports") as JsonArray ?? []).OfType<JsonObject>().ToList();
        var servicePort = port is null
            ? ports.FirstOrDefault()
            : ports.FirstOrDefault(p => (string?)p["name"] == port || p["port"]?.ToString() == port);
        if (servicePort is null)
        {
            throw ApiException.ServiceUnavailable($"no endpoints available for service \"{name}\"");
        }

        var selector = LabelSelector.FromObject(new JsonObject { ["matchLabels"] = service.Object.At("spec.selector")?.DeepClone() });
        var ready = selector.Requirements.Count == 0 ? [] : api.List(ResourceTypes.Pods, request.Namespace, selector, FieldSelector.Everything).Items
            .Where(IsReady)
            .ToList();
        if (ready.Count == 0)
        {
            throw ApiException.ServiceUnavailable($"no endpoints available for service \"{name}\"");
        }

        var pod = ready[(int)((uint)Interlocked.Increment(ref _roundRobin) % ready.Count)];
        var targetPort = servicePort["targetPort"] ?? servicePort["port"];
        return $"http://{pod.Object.String("status.podIP")}:{ResolvePort(pod, targetPort?.ToString() ?? "")}";
    }

    private string PodDestination(ApiRequest request)
    {
        var (name, port) = SplitNamePort(request.Name!);
        var pod = api.Get(ResourceTypes.Pods, request.Namespace!, name);
        var ip = pod.Object.String("status.podIP");
        if (string.IsNullOrEmpty(ip))
        {
            throw ApiException.BadRequest($"pod {name} does not have a host assigned");
        }

        var containerPort = port ?? FirstContainerPort(pod)?.ToString() ?? "80";
        return $"http://{ip}:{ResolvePort(pod, containerPort)}";
    }

    private static bool IsReady(StoredObject pod) =>
        pod.Object.At("metadata.deletionTimestamp") is null
        && pod.Object.At("status.conditions") is JsonArray conditions
        && conditions.Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True");

    /// <summary>A numeric port as it is, a named one looked up in the pod's container ports.</summary>
    private static string ResolvePort(StoredObject pod, string port)
    {
        if (int.TryParse(port, out _))
        {
            return port;
        }

        var named = Containers(pod).SelectMany(c => c["ports"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => (string?)p["name"] == port);
        return named?["containerPort"]?.ToString() ?? throw ApiException.ServiceUnavailable($"no port named \"{port}\" on pod \"{pod.Name}\"");
    }

    private static long? FirstContainerPort(StoredObject pod) =>
        Containers(pod).SelectMany(c => c["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => p.Long("containerPort")).FirstOrDefault();

    private static IEnumerable<JsonObject> Containers(StoredObject pod) => (pod.Object.At("spec.containers") as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>Splits <c>name</c>, <c>name:port</c> and <c>scheme:name:port</c>.</summary>
    private static (string Name, string? Port) SplitNamePort(string value)
    {
        var parts = value.Split(':');
        return parts switch
        {
            [var n] => (n, null),
            ["http" or "https", var n, var p] => (n, p.Length == 0 ? null : p),
            [var n, var p] => (n, p.Length == 0 ? null : p),
            _ => throw ApiException.BadRequest($"invalid service request {value}"),
        };
    }

    private sealed class PathTransformer(string subPath) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = new Uri(destinationPrefix + (subPath.Length == 0 ? "/" : subPath) + httpContext.Request.QueryString);
        }
    }
}
