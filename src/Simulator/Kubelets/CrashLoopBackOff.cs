namespace Portal.Simulator.Kubelets;

/// <summary>
/// The kubelet's container restart back-off (client-go flowcontrol.Backoff without jitter): the first restart
/// is immediate, then each one waits twice as long as the last, up to the maximum; an entry older than twice
/// the maximum starts over.
/// </summary>
internal sealed class CrashLoopBackOff(TimeSpan initial, TimeSpan max)
{
    private TimeSpan? _backoff;
    private DateTimeOffset _lastUpdate;

    /// <summary>The current back-off, as the "back-off 20s restarting failed container" message shows it.</summary>
    public TimeSpan Current => _backoff ?? TimeSpan.Zero;

    /// <summary>Whether a container that exited at <paramref name="exitedAt"/> must still wait at <paramref name="now"/>.</summary>
    public bool IsInBackOffSince(DateTimeOffset exitedAt, DateTimeOffset now) =>
        _backoff is { } backoff && !HasExpired(exitedAt) && now - exitedAt < backoff;

    /// <summary>Records a restart: starts at the initial back-off, or doubles the current one up to the maximum.</summary>
    public void Next(DateTimeOffset exitedAt, DateTimeOffset now)
    {
        _backoff = _backoff is { } current && !HasExpired(exitedAt)
            ? TimeSpan.FromTicks(Math.Min(current.Ticks * 2, max.Ticks))
            : initial;
        _lastUpdate = now;
    }

    private bool HasExpired(DateTimeOffset eventTime) => eventTime - _lastUpdate > max * 2;
}

/// <summary>Go's time.Duration.String(), which kubelet messages print: 10s, 1m20s, 5m0s, 250ms.</summary>
internal static class GoDuration
{
    public static string Format(TimeSpan d)
    {
        if (d == TimeSpan.Zero)
        {
            return "0s";
        }

        if (d < TimeSpan.FromSeconds(1))
        {
            var ms = d.TotalMilliseconds;
            return ms >= 1 ? $"{Trim(ms)}ms" : $"{Trim(d.TotalMicroseconds)}µs";
        }

        var text = "";
        var hours = (long)d.TotalHours;
        if (hours > 0)
        {
            text += $"{hours}h";
        }

        var minutes = d.Minutes;
        if (hours > 0 || minutes > 0)
        {
            text += $"{minutes}m";
        }

        var seconds = d.TotalSeconds - hours * 3600 - minutes * 60;
        return text + $"{Trim(seconds)}s";
    }

    private static string Trim(double value) => value.ToString("0.#########", System.Globalization.CultureInfo.InvariantCulture);
}
