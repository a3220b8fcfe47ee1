using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Application.Ports;

namespace Portal.Gateway;

/// <summary>What the limiter decided for one request.</summary>
public readonly record struct RateDecision(bool Allowed, TimeSpan RetryAfter)
{
    public static RateDecision Allow => new(true, TimeSpan.Zero);
}

/// <summary>
/// Requests per minute per API key (or per signed-in user in the playground): a window of one minute in six 10-second
/// segments, no queueing, so an over-eager client gets 429 at once with Retry-After. One replica (SQLite) counts in
/// memory; with <see cref="ISharedRateWindows"/> (PostgreSQL) the limit holds for the sum over every replica, through
/// permits claimed from the database in chunks (<see cref="SharedRateLimiter"/>).
/// </summary>
public sealed partial class GatewayRateLimiter : IDisposable
{
    public const int SegmentsPerWindow = 6;

    private readonly PartitionedRateLimiter<string>? _local;
    private readonly SharedRateLimiter? _shared;

    public GatewayRateLimiter(IOptions<GatewayOptions> options, TimeProvider time, ILogger<GatewayRateLimiter> logger, ISharedRateWindows? shared = null)
    {
        PermitsPerMinute = options.Value.RateLimitPerMinute;
        if (PermitsPerMinute <= 0)
        {
            return;
        }

        // Also the fallback of the shared limiter while the database cannot be reached (the limit is then per replica).
        _local = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetSlidingWindowLimiter(partition, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = PermitsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = SegmentsPerWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }), StringComparer.Ordinal);
        if (shared is not null)
        {
            _shared = new SharedRateLimiter(shared, PermitsPerMinute, time, logger);
        }
    }

    public int PermitsPerMinute { get; }

    /// <summary>Whether <paramref name="partition"/> may send another request now; otherwise how long to wait.</summary>
    public ValueTask<RateDecision> AcquireAsync(string partition, CancellationToken cancellationToken)
    {
        if (_local is null)
        {
            return ValueTask.FromResult(new RateDecision(true, TimeSpan.Zero));
        }

        return _shared is null ? ValueTask.FromResult(AcquireLocal(partition)) : _shared.AcquireAsync(partition, () => AcquireLocal(partition), cancellationToken);
    }

    private RateDecision AcquireLocal(string partition)
    {
        using var lease = _local!.AttemptAcquire(partition);
        return lease.IsAcquired
            ? new RateDecision(true, TimeSpan.Zero)
            : new RateDecision(false, lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(10));
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

    public void Dispose() => _local?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The shared rate limit could not be read from the database; counting per replica meanwhile: {Reason}")]
    internal static partial void LogSharedUnavailable(ILogger logger, string reason);
}
