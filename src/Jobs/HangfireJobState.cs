using Hangfire;
using Hangfire.Storage;

namespace Portal.Jobs;

/// <summary>A job as Hangfire's storage records it.</summary>
internal static class HangfireJobState
{
    /// <summary>The job's data, or null when this storage does not know the id (another storage, or another process's in-memory storage).</summary>
    public static JobData? Of(JobStorage storage, string? jobId)
    {
        if (jobId is null)
        {
            return null;
        }

        try
        {
            using var connection = storage.GetConnection();
            return connection.GetJobData(jobId);
        }
        catch (Exception)
        {
            return null;
        }
    }
}
