using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Portal.Gateway;

/// <summary>
/// Requests per minute per API key (or per signed-in user in the playground): a sliding window of
/// one minute in six segments, no queueing, so an over-eager client gets 429 at once with Retry-After.
/// </summary>
public sealed class GatewayRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    public GatewayRateLimiter(IOptions<GatewayOptions> options)
    {
        PermitsPerMinute = options.Value.RateLimitPerMinute;
        if (PermitsPerMinute > 0)
        {
            _limiter = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetSlidingWindowLimiter(partition, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = PermitsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                SegmentsPerWindow = 6,
                QueueLimit = 0,
                AutoReplenishment = true,
            }), StringComparer.Ordinal);
        }
    }

    public int PermitsPerMinute { get; }

    /// <summary>True when <paramref name="partition"/> may send another request now; otherwise how long to wait.</summary>
    public bool TryAcquire(string partition, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_limiter is null)
        {
            return true;
        }

        using var lease = _limiter.AttemptAcquire(partition);
        if (lease.IsAcquired)
        {
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(10);
        return false;
    }

    public Task RejectAsync(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var headers = context.Response.Headers;
        headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-limit-requests"] = PermitsPerMinute.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-remaining-requests"] = "0";
        headers["x-ratelimit-reset-requests"] = seconds.ToString(CultureInfo.InvariantCulture) + "s";
        return GatewayErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests,
            $"Rate limit reached for requests per minute (RPM): limit {PermitsPerMinute}. Please try again in {seconds}s.",
            GatewayErrors.RateLimit, code: "rate_limit_exceeded");
    }

    public void Dispose() => _limiter?.Dispose();
}
