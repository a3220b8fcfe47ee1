using Portal.Application.Ports;
using Portal.Domain.Benchmarks;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Application.Benchmarks;

/// <summary>
/// Starting and cancelling benchmark runs, whichever door the request came through (REST API, the new-run form): the
/// caller's role, the plan's validation, a deployment that is serving; the run is stored with the deployment's spec
/// and handed to a job, and the call returns at once.
/// </summary>
public sealed class BenchmarkCommands(
    IBenchmarkStore store,
    IBenchmarkJobs jobs,
    IDeploymentStore deployments,
    ICurrentUser user,
    BenchmarkProgress progress,
    BenchmarkCancellations cancellations,
    TimeProvider time)
{
    private const string NotAnOperator = "Your role may read benchmark runs but not start or cancel them; ask an Admin for the Operator role.";

    public async Task<BenchmarkResult> StartAsync(StartBenchmark command, CancellationToken cancellationToken)
    {
        if (!user.CanOperate)
        {
            return new BenchmarkResult.Forbidden(NotAnOperator);
        }

        var (plan, deployment, errors) = await ValidateAsync(command, cancellationToken);
        if (errors.Count > 0)
        {
            return new BenchmarkResult.Invalid(errors);
        }

        var spec = deployment!.Spec;
        var run = new BenchmarkRun
        {
            DeploymentName = deployment.Name,
            DeploymentId = deployment.Id,
            Framework = deployment.Framework,
            Model = deployment.Model,
            ImageTag = spec.ImageTag ?? (EngineProfiles.TryGet(deployment.Framework, out var profile) ? profile.DefaultTag : ""),
            Replicas = spec.Replicas,
            GpusPerReplica = spec.GpusPerReplica,
            GpuType = spec.GpuType,
            Spec = spec,
            Plan = plan,
            RequestedBy = user.Requester,
            CreatedAt = time.GetUtcNow(),
        };
        await store.AddAsync(run, cancellationToken);
        run.JobId = jobs.Enqueue(run.Id);
        await store.SetJobIdAsync(run.Id, run.JobId, cancellationToken);
        progress.Publish(new RunProgress(run.Id, BenchmarkState.Queued, 0, plan.StepCount, "queued", 0, 0, 0, 0, TimeSpan.Zero, null, StepsChanged: true));
        return new BenchmarkResult.Accepted(run);
    }

    /// <summary>Every field problem <see cref="StartAsync"/> would report, without starting anything (the form shows them as the operator types).</summary>
    public async Task<(BenchmarkPlan Plan, Deployment? Deployment, Dictionary<string, string[]> Errors)> ValidateAsync(
        StartBenchmark command, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var plan = BenchmarkPlanReader.Read(command, errors);
        Deployment? deployment = null;
        if (string.IsNullOrWhiteSpace(command.Deployment))
        {
            errors["deployment"] = ["Choose the deployment to benchmark."];
        }
        else
        {
            deployment = await deployments.FindAsync(command.Deployment.Trim(), cancellationToken);
            if (deployment is null)
            {
                errors["deployment"] = [$"There is no deployment named '{command.Deployment}'."];
            }
            else if (deployment.DesiredState != DesiredState.Running || deployment.ObservedState != ObservedState.Ready)
            {
                errors["deployment"] = [$"Deployment '{deployment.Name}' is {Describe(deployment)}, not ready: a benchmark needs it serving. Start it or wait until it is Ready."];
            }
        }

        return (plan, deployment, errors);
    }

    public async Task<BenchmarkResult> CancelAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!user.CanOperate)
        {
            return new BenchmarkResult.Forbidden(NotAnOperator);
        }

        var run = await store.FindAsync(id, cancellationToken);
        if (run is null)
        {
            return new BenchmarkResult.NotFound(id);
        }

        if (run.IsFinished || !await store.RequestCancelAsync(id, cancellationToken))
        {
            return new BenchmarkResult.Conflict($"The run has already ended ({run.State.ToString().ToLowerInvariant()}); there is nothing to cancel.");
        }

        cancellations.Cancel(id);
        if (run.State == BenchmarkState.Queued)
        {
            // Not started: it ends now; the job, when it comes, sees the run finished and does nothing.
            run.State = BenchmarkState.Cancelled;
            run.Reason = $"Cancelled by {user.Requester} before it started.";
            run.FinishedAt = time.GetUtcNow();
            await store.SaveStateAsync(run, cancellationToken);
            progress.Publish(new RunProgress(run.Id, run.State, 0, run.Plan.StepCount, "cancelled", 0, 0, 0, 0, TimeSpan.Zero, null, StepsChanged: true));
        }

        run.CancelRequested = true;
        return new BenchmarkResult.Accepted(run);
    }

    private static string Describe(Deployment deployment) => deployment.DesiredState switch
    {
        DesiredState.Stopped => "stopped",
        DesiredState.Deleted => "being deleted",
        _ => deployment.ObservedState.ToString().ToLowerInvariant(),
    };
}
