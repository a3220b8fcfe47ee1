namespace Portal.Application.Ports;

/// <summary>Hands a benchmark run to the job system.</summary>
public interface IBenchmarkJobs
{
    /// <summary>Enqueues the job that runs <paramref name="runId"/>; returns its id.</summary>
    string Enqueue(Guid runId);

    /// <summary>Whether the job is queued, running or scheduled.</summary>
    bool IsAlive(string? jobId);
}
