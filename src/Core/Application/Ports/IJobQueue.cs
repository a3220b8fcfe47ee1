using Portal.Domain.Deployments;

namespace Portal.Application.Ports;

/// <summary>Background work: hands an operation to the job system and answers whether a job still exists.</summary>
public interface IJobQueue
{
    /// <summary>Enqueues the job that carries <paramref name="operation"/> out; returns its id.</summary>
    string Enqueue(Operation operation);

    /// <summary>Enqueues a reconcile pass now, instead of at the next interval; returns its id.</summary>
    string EnqueueReconcile();

    /// <summary>Whether the job is queued, running or scheduled (false for unknown ids, deleted or failed jobs).</summary>
    bool IsAlive(string? jobId);
}
