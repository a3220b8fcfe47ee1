namespace Portal.Infrastructure.Persistence;

/// <summary>
/// Permits of one gateway partition (an API key, a signed-in user) handed out in one 10-second segment of the
/// one-minute window, summed over every replica. Used on PostgreSQL only; a single SQLite portal counts in memory.
/// </summary>
public sealed class GatewayRateWindow
{
    public string Partition { get; set; } = "";

    /// <summary>Seconds since the Unix epoch divided by the segment length.</summary>
    public long Segment { get; set; }

    public int Used { get; set; }
}
