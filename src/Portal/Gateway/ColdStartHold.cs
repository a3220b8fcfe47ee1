using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Portal.Application.Autoscaling;

namespace Portal.Gateway;

/// <summary>
/// Holds requests for a deployment scaled to zero while it wakes: a bounded queue per deployment, the wake asked of
/// the application (<see cref="ModelWaker"/>), progress for streaming callers (an <c>x-portal-wait</c> header and SSE
/// comment lines with the ETA from the last measured cold start), and the wait for the routing table to list a Ready pod.
/// </summary>
public sealed class ColdStartHold(GatewayRouteTable routes, ModelWaker waker, IOptions<GatewayOptions> options, TimeProvider time)
{
    /// <summary>The header a held streaming response carries: seconds the wake is expected to take (from the last cold start), or <c>unknown</c>.</summary>
    public const string WaitHeader = "x-portal-wait";

    /// <summary>How often a held streaming caller gets a progress comment.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly GatewayOptions _options = options.Value;

    public TimeSpan Limit => _options.ColdStartWait;

    /// <summary>Takes a place in the deployment's queue; false when it is full.</summary>
    public bool TryEnter(string deployment)
    {
        while (true)
        {
            var current = _held.GetOrAdd(deployment, 0);
            if (current >= _options.ColdStartQueueLimit)
            {
                return false;
            }

            if (_held.TryUpdate(deployment, current + 1, current))
            {
                return true;
            }
        }
    }

    public void Leave(string deployment) => _held.AddOrUpdate(deployment, 0, (_, n) => Math.Max(0, n - 1));

    /// <summary>Asks for the wake (shared by everyone waiting) and returns the expected wait in seconds, when a cold start was measured before.</summary>
    public async Task<double?> WakeAsync(DeploymentRoute deployment, CancellationToken cancellationToken)
    {
        _ = waker.WakeAsync(deployment.Name, deployment.Namespace, Limit);
        return (await waker.LastColdStartAsync(deployment.Name, cancellationToken))?.Total;
    }

    /// <summary>The deployment's route once it has a Ready pod, or null when <see cref="Limit"/> passed first.</summary>
    public async Task<DeploymentRoute?> WaitForPodAsync(string deployment, long heldSince, CancellationToken cancellationToken)
    {
        var ready = new TaskCompletionSource<DeploymentRoute>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(GatewayRouteSnapshot snapshot)
        {
            if (snapshot.ByDeployment.TryGetValue(deployment, out var route) && route.IsServing)
            {
                ready.TrySetResult(route);
            }
        }

        routes.Changed += Check;
        try
        {
            Check(routes.Current);
            var remaining = Limit - time.GetElapsedTime(heldSince);
            if (remaining <= TimeSpan.Zero)
            {
                return ready.Task.IsCompleted ? await ready.Task : null;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(remaining);
            try
            {
                return await ready.Task.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
        finally
        {
            routes.Changed -= Check;
        }
    }

    /// <summary>Starts a streaming response (200, text/event-stream, <see cref="WaitHeader"/>) and writes the first progress comment.</summary>
    public static async Task StartProgressAsync(HttpContext context, string deployment, double? eta)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers[WaitHeader] = eta is { } seconds ? Math.Ceiling(seconds).ToString(CultureInfo.InvariantCulture) : "unknown";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await WriteCommentAsync(context, Comment(deployment, eta));
    }

    /// <summary>One progress comment every <see cref="ProgressInterval"/> until <paramref name="stop"/> is cancelled.</summary>
    public async Task ProgressAsync(HttpContext context, string deployment, double? eta, long heldSince, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ProgressInterval, time, stop);
                var left = eta is { } total ? Math.Max(0, total - time.GetElapsedTime(heldSince).TotalSeconds) : (double?)null;
                await WriteCommentAsync(context, Comment(deployment, left));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // The caller went away; RequestAborted ends the hold.
        }
    }

    /// <summary>An SSE comment line: OpenAI clients skip it, a person reading the stream sees what is happening.</summary>
    public static string Comment(string deployment, double? eta) => eta is { } seconds
        ? string.Create(CultureInfo.InvariantCulture, $": waking model {deployment}, about {Math.Max(1, Math.Ceiling(seconds))} s")
        : $": waking model {deployment}";

    private static async Task WriteCommentAsync(HttpContext context, string comment)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(comment + "\n\n"), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
