using System.Net.Http.Headers;
using Portal.Infrastructure.Kubernetes;
using Yarp.ReverseProxy.Forwarder;

namespace Portal.Gateway;

/// <summary>
/// Shapes the forwarded request: the engine's OpenAI path on the chosen pod, the client's headers
/// without the portal's API key or cookies, no compression (so the gateway can read the stream),
/// and the credentials of the API server when pods are reached through its proxy.
/// </summary>
internal sealed class GatewayTransformer(EngineTransport upstream) : HttpTransformer
{
    public const string DeploymentHeader = "x-portal-deployment";
    public const string PodHeader = "x-portal-pod";

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var exchange = httpContext.Features.Get<GatewayExchange>()!;
        proxyRequest.RequestUri = exchange.Pod!.UriFor(exchange.Operation);
        proxyRequest.Headers.Authorization = null;
        proxyRequest.Headers.Remove("Cookie");
        proxyRequest.Headers.AcceptEncoding.Clear();
        proxyRequest.Headers.Host = null;
        await upstream.AuthorizeAsync(proxyRequest, cancellationToken);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var exchange = httpContext.Features.Get<GatewayExchange>()!;
        var headers = httpContext.Response.Headers;
        headers[DeploymentHeader] = exchange.Deployment!.Name;
        headers[PodHeader] = exchange.Pod!.Name;
        exchange.Observer.Streaming = proxyResponse?.Content.Headers.ContentType is MediaTypeHeaderValue { MediaType: "text/event-stream" };
        if (copy && proxyResponse is { IsSuccessStatusCode: false } && !exchange.Observer.Streaming
            && proxyResponse.Content.Headers.ContentLength is null or <= EngineErrors.MaxBodyBytes)
        {
            return !await RewriteErrorAsync(httpContext, proxyResponse, cancellationToken);
        }

        return copy;
    }

    /// <summary>Writes an engine's error in OpenAI's shape; false (nothing written) when it already is one.</summary>
    private static async Task<bool> RewriteErrorAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken)
    {
        var body = await proxyResponse.Content.ReadAsByteArrayAsync(cancellationToken);
        var shaped = EngineErrors.ToOpenAiShape(body, (int)proxyResponse.StatusCode);
        var response = httpContext.Response;
        response.Headers.ContentLength = null;
        if (shaped is null)
        {
            await response.Body.WriteAsync(body, cancellationToken);
            return true;
        }

        response.ContentType = "application/json";
        await response.WriteAsync(shaped.ToJsonString(), cancellationToken);
        return true;
    }
}
