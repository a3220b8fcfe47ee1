namespace Portal.Application.Reconcile;

/// <summary>Configuration section <c>Reconcile</c>.</summary>
public sealed class ReconcileOptions
{
    public const string Section = "Reconcile";

    /// <summary>How often the recurring reconcile runs; a divisor of a minute or of an hour (15 s, 30 s, 1 min, 5 min…).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Watch pods and StatefulSets and reconcile as soon as they change (pages update within a second or two).</summary>
    public bool Watch { get; set; } = true;

    /// <summary>Waits this long after a watch event before reconciling, so a burst of events costs one pass.</summary>
    public TimeSpan WatchDebounce { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>An operation without a live job for longer than this is taken as lost (for example after a restart with in-memory job storage).</summary>
    public TimeSpan LostJobGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Hangfire cron expression of <see cref="Interval"/> (6 fields: seconds first).</summary>
    public string Cron()
    {
        var seconds = (int)Interval.TotalSeconds;
        return seconds switch
        {
            < 60 when 60 % seconds == 0 => $"*/{seconds} * * * * *",
            _ when seconds % 60 == 0 && 60 % (seconds / 60) == 0 => $"0 */{seconds / 60} * * * *",
            _ => throw new InvalidOperationException($"Reconcile:Interval {Interval} must divide a minute (like 15 s) or an hour (like 5 min)."),
        };
    }

    public bool IsValid()
    {
        try
        {
            return Interval >= TimeSpan.FromSeconds(1) && Cron() is not null;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
