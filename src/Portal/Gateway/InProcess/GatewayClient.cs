using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;

namespace Portal.Gateway;

/// <summary>A response from <see cref="GatewayClient"/>: status and headers at once, the body as it streams.</summary>
public sealed class GatewayResponse(int statusCode, IHeaderDictionary headers, Stream body, Task completion) : IAsyncDisposable
{
    public int StatusCode { get; } = statusCode;

    public IHeaderDictionary Headers { get; } = headers;

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>The response body, readable while the engine is still generating.</summary>
    public Stream Body { get; } = body;

    public async ValueTask DisposeAsync()
    {
        await Body.DisposeAsync();
        await completion.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}

/// <summary>
/// Calls the gateway in process, for the playground: the request goes through exactly the path an
/// HTTP request takes (<see cref="GatewayHandler"/>: routing, least-outstanding pod choice, YARP
/// forwarding, retry, rate limit, metrics), only the caller is the signed-in user instead of an API
/// key, and the response arrives through a pipe instead of a socket.
/// </summary>
public sealed class GatewayClient(GatewayHandler handler, IServiceProvider services)
{
    public async Task<GatewayResponse> SendAsync(
        ClaimsPrincipal user, GatewayOperation operation, ReadOnlyMemory<byte> json, string? deployment, CancellationToken cancellationToken,
        bool exemptFromRateLimit = false)
    {
        var response = new InProcessResponse();
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Method = HttpMethods.Post,
            Scheme = "http",
            Protocol = "HTTP/1.1",
            Path = operation switch
            {
                GatewayOperation.ChatCompletions => "/v1/chat/completions",
                GatewayOperation.Completions => "/v1/completions",
                _ => "/v1/embeddings",
            },
            Headers = new HeaderDictionary
            {
                ["Content-Type"] = "application/json",
                ["Content-Length"] = json.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Host"] = "portal.local",
            },
            Body = new MemoryStream(json.ToArray(), writable: false),
        });
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response);
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = cancellationToken });
        features.Set<IHttpRequestBodyDetectionFeature>(HasBody.Instance);
        features.Set(new InProcessCaller(user, deployment, exemptFromRateLimit));
        var context = new DefaultHttpContext(features) { User = user, RequestServices = services };

        var completion = Task.Run(async () =>
        {
            try
            {
                await handler.HandleAsync(context, operation);
                await response.CompleteAsync();
            }
            catch (Exception e)
            {
                response.Fail(e);
            }
        }, CancellationToken.None);

        await response.Started.WaitAsync(cancellationToken);
        return new GatewayResponse(response.StatusCode, response.Headers, response.Reader.AsStream(), completion);
    }

    private sealed class HasBody : IHttpRequestBodyDetectionFeature
    {
        public static readonly HasBody Instance = new();

        public bool CanHaveBody => true;
    }
}
