namespace Portal.Application.Ports;

/// <summary>
/// One claim on a rate limit every portal replica shares. The one-minute window is split into segments; a replica
/// claims up to <see cref="Wanted"/> permits in the current <see cref="Segment"/> so that the last
/// <see cref="SegmentsPerWindow"/> segments hold at most <see cref="Limit"/> together, and first hands back
/// <see cref="Refund"/> permits it claimed in <see cref="RefundSegment"/> and did not use.
/// </summary>
public sealed record RateClaim(string Partition, long Segment, int SegmentsPerWindow, int Limit, int Wanted, long RefundSegment = 0, int Refund = 0);

/// <summary>The shared counters behind a portal-wide rate limit: one round trip per claim, however many requests it covers.</summary>
public interface ISharedRateWindows
{
    /// <summary>Returns the permits granted: up to <see cref="RateClaim.Wanted"/>, 0 when the limit is reached.</summary>
    Task<int> ClaimAsync(RateClaim claim, CancellationToken cancellationToken);
}
