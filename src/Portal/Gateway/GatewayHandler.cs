using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Portal.Auth;
using Portal.Infrastructure.Kubernetes;
using Yarp.ReverseProxy.Forwarder;

namespace Portal.Gateway;

/// <summary>
/// The gateway's request path, the same for programs (over HTTP) and for the playground (in
/// process): authenticate, read the body, resolve the model to a deployment and a pod with the
/// fewest outstanding requests, apply the per-key rate limit, forward with YARP (streaming, no
/// buffering), retry once on another pod when the first fails before answering, and record metrics.
/// No database or Kubernetes call happens here: routes come from <see cref="GatewayRouteTable"/>.
/// </summary>
public sealed partial class GatewayHandler(
    GatewayRouteTable routes,
    IHttpForwarder forwarder,
    EngineTransport upstream,
    GatewayMetrics metrics,
    GatewayRateLimiter limiter,
    ColdStartHold holds,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<GatewayHandler> logger)
{
    private readonly GatewayTransformer _transformer = new(upstream);
    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;
    private readonly ForwarderRequestConfig _requestConfig = new()
    {
        ActivityTimeout = options.Value.UpstreamActivityTimeout,
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    public Task ChatCompletionsAsync(HttpContext context) => HandleAsync(context, GatewayOperation.ChatCompletions);

    public Task CompletionsAsync(HttpContext context) => HandleAsync(context, GatewayOperation.Completions);

    public Task EmbeddingsAsync(HttpContext context) => HandleAsync(context, GatewayOperation.Embeddings);

    public async Task HandleAsync(HttpContext context, GatewayOperation operation)
    {
        var started = time.GetTimestamp();
        if (Authenticate(context) is not { } partition)
        {
            await (ApiKeyAuthenticationHandler.BearerToken(context.Request) is null
                ? GatewayErrors.MissingKeyAsync(context)
                : GatewayErrors.InvalidKeyAsync(context));
            metrics.Unrouted.CountRequest(StatusCodes.Status401Unauthorized);
            return;
        }

        GatewayRequestBody? body;
        try
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = _maxBodyBytes + 1;
            }

            body = await GatewayRequestBody.ReadAsync(context.Request, _maxBodyBytes, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            body = null; // Kestrel's own limit (set just above ours) tripped first
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            var status = context.RequestAborted.IsCancellationRequested ? GatewayMetrics.ClientClosedRequest : StatusCodes.Status400BadRequest;
            if (status == StatusCodes.Status400BadRequest && !context.Response.HasStarted)
            {
                await GatewayErrors.WriteAsync(context, status, $"The request body could not be read: {e.Message}", GatewayErrors.InvalidRequest);
            }

            metrics.Unrouted.CountRequest(status);
            return;
        }

        if (body is null)
        {
            await GatewayErrors.WriteAsync(context, StatusCodes.Status413RequestEntityTooLarge,
                $"The request body is larger than the gateway accepts ({_maxBodyBytes} bytes, Gateway:MaxBodyBytes).",
                GatewayErrors.InvalidRequest, code: "request_too_large");
            metrics.Unrouted.CountRequest(StatusCodes.Status413RequestEntityTooLarge);
            return;
        }

        using (body)
        {
            await RouteAsync(context, operation, body, partition, started);
        }
    }

    /// <summary>The rate-limit partition of an authenticated caller, or null when the caller is not authenticated.</summary>
    private static string? Authenticate(HttpContext context)
    {
        if (context.Features.Get<InProcessCaller>() is { } caller)
        {
            return caller.User.Identity?.IsAuthenticated == true ? caller.PartitionKey : null;
        }

        // Over HTTP only an API key counts; the authentication middleware has validated it (cached).
        return context.User.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value;
    }

    private async Task RouteAsync(HttpContext context, GatewayOperation operation, GatewayRequestBody body, string partition, long started)
    {
        if (body.Problem is { } problem)
        {
            await GatewayErrors.WriteAsync(context, StatusCodes.Status400BadRequest, problem, GatewayErrors.InvalidRequest, body.ProblemParam);
            metrics.Unrouted.CountRequest(StatusCodes.Status400BadRequest);
            return;
        }

        var model = body.Model!;
        var snapshot = routes.Current;
        var pinnedName = context.Features.Get<InProcessCaller>()?.Deployment;
        DeploymentRoute? pinned = null;
        ModelRoute? modelRoute = null;
        if (pinnedName is not null ? !snapshot.ByDeployment.TryGetValue(pinnedName, out pinned) : !snapshot.ByModel.TryGetValue(model, out modelRoute))
        {
            await GatewayErrors.ModelNotFoundAsync(context, pinnedName ?? model);
            metrics.Unrouted.CountRequest(StatusCodes.Status404NotFound);
            return;
        }

        DeploymentRoute? deployment = pinned;
        var pod = pinned is not null ? pinned.PickPod(exclude: null) : modelRoute!.PickPod(exclude: null, out deployment);
        if (pod is null && (pinned is { WakesFromZero: true } ? pinned : modelRoute?.Deployments.FirstOrDefault(d => d.WakesFromZero)) is { } sleeping)
        {
            if (await AcquireRateAsync(context, partition) is { Allowed: false } held)
            {
                await limiter.RejectAsync(context, held.RetryAfter);
                sleeping.Metrics.CountRequest(StatusCodes.Status429TooManyRequests);
                return;
            }

            await HoldAsync(context, operation, body, sleeping, pinned is not null, started);
            return;
        }

        if (pod is null)
        {
            var known = pinned ?? modelRoute!.Deployments[0];
            await GatewayErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"The model `{model}` has no ready replica right now (deployment {known.Name} is {known.State}). Try again when it is ready.",
                GatewayErrors.Server, code: "model_not_ready");
            known.Metrics.CountRequest(StatusCodes.Status503ServiceUnavailable);
            return;
        }

        var decision = await AcquireRateAsync(context, partition);
        if (!decision.Allowed)
        {
            await limiter.RejectAsync(context, decision.RetryAfter);
            deployment!.Metrics.CountRequest(StatusCodes.Status429TooManyRequests);
            return;
        }

        await ForwardAsync(context, operation, body, pinned, modelRoute, deployment!, pod, started);
    }

    /// <summary>
    /// A request for a deployment scaled to zero: take a place in its queue (429 when full), ask for the wake, show
    /// streaming callers the wait, and forward once a pod is Ready (503 when <see cref="GatewayOptions.ColdStartWait"/> passes first).
    /// </summary>
    /// <summary>The per-key limit; the portal's own benchmark runs (in-process callers) are exempt.</summary>
    private ValueTask<RateDecision> AcquireRateAsync(HttpContext context, string partition) =>
        context.Features.Get<InProcessCaller>() is { ExemptFromRateLimit: true }
            ? ValueTask.FromResult(RateDecision.Allow)
            : limiter.AcquireAsync(partition, context.RequestAborted);

    private async Task HoldAsync(HttpContext context, GatewayOperation operation, GatewayRequestBody body, DeploymentRoute sleeping, bool pinned, long started)
    {
        if (!holds.TryEnter(sleeping.Name))
        {
            context.Response.Headers.RetryAfter = "5";
            await GatewayErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests,
                $"The model `{sleeping.ModelName}` is waking from zero replicas and {options.Value.ColdStartQueueLimit} requests are already waiting for it (Gateway:ColdStartQueueLimit). Please try again in a few seconds.",
                GatewayErrors.RateLimit, code: "model_waking_queue_full");
            sleeping.Metrics.CountRequest(StatusCodes.Status429TooManyRequests);
            return;
        }

        var heldSince = time.GetTimestamp();
        sleeping.Metrics.StartedHolding();
        DeploymentRoute? ready;
        var streaming = body.Stream && operation != GatewayOperation.Embeddings;
        try
        {
            var eta = await holds.WakeAsync(sleeping, context.RequestAborted);
            LogHolding(sleeping.Name, streaming, eta);
            using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            var progress = Task.CompletedTask;
            if (streaming)
            {
                await ColdStartHold.StartProgressAsync(context, sleeping.Name, eta);
                progress = holds.ProgressAsync(context, sleeping.Name, eta, heldSince, stopProgress.Token);
            }

            ready = await holds.WaitForPodAsync(sleeping.Name, heldSince, context.RequestAborted);
            await stopProgress.CancelAsync();
            await progress;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            sleeping.Metrics.CountRequest(GatewayMetrics.ClientClosedRequest);
            return;
        }
        finally
        {
            sleeping.Metrics.StoppedHolding();
            holds.Leave(sleeping.Name);
        }

        DeploymentRoute? deployment = ready;
        ModelRoute? modelRoute = null;
        var pod = pinned ? ready?.PickPod(exclude: null)
            : routes.Current.ByModel.TryGetValue(sleeping.ModelName, out modelRoute) ? modelRoute.PickPod(exclude: null, out deployment) : null;
        if (pod is null || deployment is null)
        {
            var message = $"The model `{sleeping.ModelName}` (deployment {sleeping.Name}) did not get a ready replica within {holds.Limit.TotalSeconds:0} s of waking (Gateway:ColdStartWait).";
            if (context.Response.HasStarted)
            {
                await WriteStreamErrorAsync(context, message);
            }
            else
            {
                await GatewayErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, message, GatewayErrors.Server, code: "model_not_ready");
            }

            sleeping.Metrics.CountRequest(StatusCodes.Status503ServiceUnavailable);
            return;
        }

        if (!context.Response.HasStarted)
        {
            await ForwardAsync(context, operation, body, pinned ? ready : null, modelRoute, deployment, pod, started);
            return;
        }

        // The progress comments started the response: forward into its body through a response of its own, whose
        // status and headers (the engine's 200 and text/event-stream) have nowhere to go.
        var features = new FeatureCollection(context.Features);
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(context.Response.Body));
        var detached = new DefaultHttpContext(features);
        await ForwardAsync(detached, operation, body, pinned ? ready : null, modelRoute, deployment, pod, started);
        if (detached.Response.StatusCode >= 400)
        {
            await WriteStreamErrorAsync(context, $"The model server answered {detached.Response.StatusCode}.");
        }
    }

    private static async Task WriteStreamErrorAsync(HttpContext context, string message)
    {
        var error = System.Text.Json.JsonSerializer.Serialize(new { error = new { message, type = GatewayErrors.Server, param = (string?)null, code = "model_not_ready" } });
        try
        {
            await context.Response.WriteAsync($"data: {error}\n\n", context.RequestAborted);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }
    }

    private async Task ForwardAsync(
        HttpContext context, GatewayOperation operation, GatewayRequestBody body,
        DeploymentRoute? pinned, ModelRoute? modelRoute, DeploymentRoute deployment, PodEndpoint pod, long started)
    {
        var exchange = new GatewayExchange(operation);
        context.Features.Set(exchange);
        var request = context.Request;
        request.Headers.Remove("Transfer-Encoding");
        request.ContentLength = body.Length;
        context.Response.Body = new ObservingResponseStream(context.Response.Body, exchange.Observer, time);

        var set = deployment.Metrics;
        set.StartedForwarding();
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                exchange.Deployment = deployment;
                exchange.Pod = pod;
                request.Body = body.OpenRead();
                ForwarderError error;
                pod.Enter();
                var abort = MidStreamAbort.Install(context);
                try
                {
                    error = await forwarder.SendAsync(context, pod.DestinationPrefix, upstream.Invoker, _requestConfig, _transformer);
                }
                finally
                {
                    pod.Leave();
                    abort.Uninstall();
                }

                if (abort.Requested)
                {
                    // The engine failed after the answer began. A stream ends with an OpenAI-shaped error event, so the
                    // client is told instead of left with a cut connection; anything else is cut, as YARP meant to.
                    if (exchange.Observer.Streaming && error is ForwarderError.ResponseBodyDestination or ForwarderError.ResponseBodyCanceled
                        && !context.RequestAborted.IsCancellationRequested)
                    {
                        var reason = context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? error.ToString();
                        LogStreamBroken(deployment.Name, pod.Name, reason);
                        await GatewayErrors.WriteStreamErrorAsync(context,
                            $"The model server (deployment {deployment.Name}, pod {pod.Name}) failed while streaming: {reason}", "upstream_error");
                    }
                    else
                    {
                        abort.AbortNow();
                    }

                    break;
                }

                if (error == ForwarderError.None || context.RequestAborted.IsCancellationRequested || context.Response.HasStarted)
                {
                    break;
                }

                var failure = context.Features.Get<IForwarderErrorFeature>()?.Exception;
                if (attempt == 0 && error == ForwarderError.Request)
                {
                    DeploymentRoute? nextDeployment = pinned;
                    var next = pinned is not null ? pinned.PickPod(exclude: pod) : modelRoute!.PickPod(exclude: pod, out nextDeployment);
                    if (next is not null)
                    {
                        LogRetrying(deployment.Name, pod.Name, next.Name, failure?.Message ?? error.ToString());
                        context.Response.Clear();
                        context.Features.Set<IForwarderErrorFeature>(null);
                        if (!ReferenceEquals(nextDeployment, deployment))
                        {
                            set.StoppedForwarding();
                            deployment = nextDeployment!;
                            set = deployment.Metrics;
                            set.StartedForwarding();
                        }

                        pod = next;
                        continue;
                    }
                }

                LogUpstreamFailed(deployment.Name, pod.Name, error, failure?.Message);
                context.Response.Clear();
                await GatewayErrors.WriteAsync(context,
                    error == ForwarderError.RequestTimedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                    $"The model server (deployment {deployment.Name}, pod {pod.Name}) failed before answering: {failure?.Message ?? error.ToString()}",
                    GatewayErrors.Server, code: "upstream_error");
                break;
            }
        }
        finally
        {
            set.StoppedForwarding();
            Record(context, set, exchange.Observer, started);
        }
    }

    private void Record(HttpContext context, DeploymentMetricSet set, ResponseObserver observer, long started)
    {
        var status = context.RequestAborted.IsCancellationRequested ? GatewayMetrics.ClientClosedRequest : context.Response.StatusCode;
        set.CountRequest(status);
        set.ObserveDuration(time.GetElapsedTime(started).TotalSeconds);
        if (observer.FirstTokenTimestamp != 0)
        {
            set.ObserveTimeToFirstToken(time.GetElapsedTime(started, observer.FirstTokenTimestamp).TotalSeconds);
        }

        if (observer.OutputTokens > 0)
        {
            set.CountOutputTokens(observer.OutputTokens);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway: holding a request for {Deployment} while it wakes (streaming {Streaming}, expected {Eta} s)")]
    private partial void LogHolding(string deployment, bool streaming, double? eta);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: pod {Pod} of {Deployment} failed before answering ({Reason}); retrying on {NextPod}")]
    private partial void LogRetrying(string deployment, string pod, string nextPod, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: pod {Pod} of {Deployment} failed mid-stream ({Reason}); the stream ends with an error event")]
    private partial void LogStreamBroken(string deployment, string pod, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway: forwarding to pod {Pod} of {Deployment} failed: {Error} {Reason}")]
    private partial void LogUpstreamFailed(string deployment, string pod, ForwarderError error, string? reason);
}
