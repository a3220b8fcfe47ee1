using System.Collections.Concurrent;
using Portal.Application.Ports;

namespace Portal.Gateway;

/// <summary>
/// The portal-wide limit: each partition's permits are claimed from the shared windows in chunks of
/// max(1, limit / 100) for the current 10-second segment, so a request costs a local decrement and the database sees
/// one claim per chunk. A new claim starts when half a chunk is left, so requests rarely wait for it. Permits left over
/// when a segment ends are handed back with the next claim. The sum over all replicas never exceeds the limit within
/// the window; at any moment each replica may hold up to one and a half chunks it has not used yet.
/// </summary>
internal sealed class SharedRateLimiter(ISharedRateWindows windows, int limit, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan SegmentLength = TimeSpan.FromSeconds(10);

    private readonly int _chunk = Math.Max(1, limit / 100);
    private readonly ConcurrentDictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    public async ValueTask<RateDecision> AcquireAsync(string partition, Func<RateDecision> fallback, CancellationToken cancellationToken)
    {
        var lease = _leases.GetOrAdd(partition, _ => new Lease());
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Task claim;
            var now = time.GetUtcNow();
            var segment = now.ToUnixTimeMilliseconds() / (long)SegmentLength.TotalMilliseconds;
            lock (lease)
            {
                lease.Roll(segment);
                if (lease.Remaining > 0)
                {
                    lease.Remaining--;
                    if (lease.Remaining <= _chunk / 2 && lease.Claiming is null && !lease.Exhausted)
                    {
                        lease.Claiming = ClaimAsync(partition, lease, segment);
                    }

                    return new RateDecision(true, TimeSpan.Zero);
                }

                if (lease.Exhausted)
                {
                    return new RateDecision(false, UntilSegmentEnds(segment, now));
                }

                claim = lease.Claiming ??= ClaimAsync(partition, lease, segment);
            }

            await claim.WaitAsync(cancellationToken);
            if (lease.Failed)
            {
                return fallback();
            }
        }

        return fallback();
    }

    private async Task ClaimAsync(string partition, Lease lease, long segment)
    {
        await Task.Yield();
        int refund;
        long refundSegment;
        lock (lease)
        {
            (refundSegment, refund) = (lease.RefundSegment, lease.Refund);
            lease.Refund = 0;
        }

        var granted = 0;
        var failed = false;
        try
        {
            granted = await windows.ClaimAsync(
                new RateClaim(partition, segment, GatewayRateLimiter.SegmentsPerWindow, limit, _chunk, refundSegment, refund), CancellationToken.None);
        }
        catch (Exception e)
        {
            failed = true;
            GatewayRateLimiter.LogSharedUnavailable(logger, e.Message);
        }

        lock (lease)
        {
            lease.Claiming = null;
            lease.Failed = failed;
            if (lease.Segment == segment)
            {
                lease.Remaining += granted;
                lease.Exhausted = !failed && granted == 0;
            }
            else if (granted > 0)
            {
                lease.GiveBack(segment, granted); // the segment ended while the claim was on its way
            }
        }
    }

    private static TimeSpan UntilSegmentEnds(long segment, DateTimeOffset now) =>
        DateTimeOffset.FromUnixTimeMilliseconds((segment + 1) * (long)SegmentLength.TotalMilliseconds) - now;

    private sealed class Lease
    {
        public long Segment { get; private set; }

        public int Remaining { get; set; }

        public bool Exhausted { get; set; }

        public bool Failed { get; set; }

        public Task? Claiming { get; set; }

        public long RefundSegment { get; private set; }

        public int Refund { get; set; }

        /// <summary>Moves to a new segment; what is left of the old one is handed back with the next claim.</summary>
        public void Roll(long segment)
        {
            if (segment == Segment)
            {
                return;
            }

            if (Remaining > 0)
            {
                GiveBack(Segment, Remaining);
            }

            Segment = segment;
            Remaining = 0;
            Exhausted = false;
        }

        public void GiveBack(long segment, int permits)
        {
            // One pending refund at a time: an older one not yet sent is dropped (those permits stay counted: safe).
            if (RefundSegment != segment)
            {
                (RefundSegment, Refund) = (segment, 0);
            }

            Refund += permits;
        }
    }
}
