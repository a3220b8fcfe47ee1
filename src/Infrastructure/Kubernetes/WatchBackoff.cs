namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// How a list-and-watch loop waits after a failure before it tries again: its first wait, doubling up to 30 s,
/// and back to the first once a list or watch succeeds.
/// </summary>
internal sealed class WatchBackoff(TimeSpan first, TimeProvider time)
{
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);
    private readonly TimeSpan _first = first;
    private TimeSpan _next = first;

    public void Reset() => _next = _first;

    /// <summary>Waits the current back-off and doubles it; false when the host is stopping.</summary>
    public async Task<bool> WaitAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(_next, time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, Longest.Ticks));
        return true;
    }
}
