using Hangfire;
using Hangfire.States;
using Portal.Application.Benchmarks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Application.Ports;

namespace Portal.Jobs;

/// <summary>
/// The Hangfire job of a benchmark run; it runs the application's <see cref="BenchmarkRunner"/>. No retry: a run that
/// ends says why on the run, and starting it again is the operator's call (the finished steps would be measured twice).
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class BenchmarkJobs(BenchmarkRunner runner)
{
    public Task RunAsync(Guid runId, CancellationToken cancellationToken) => runner.RunAsync(runId, cancellationToken);
}

/// <summary>Benchmark runs on Hangfire.</summary>
public sealed class HangfireBenchmarkJobs(IBackgroundJobClient jobs, JobStorage storage) : IBenchmarkJobs
{
    public string Enqueue(Guid runId) => jobs.Enqueue<BenchmarkJobs>(job => job.RunAsync(runId, CancellationToken.None));

    public bool IsAlive(string? jobId) =>
        HangfireJobState.Of(storage, jobId) is { } job
        && job.State != DeletedState.StateName && job.State != FailedState.StateName && job.State != SucceededState.StateName;
}

/// <summary>Ends the runs a previous process left unfinished, once, before this one takes work.</summary>
public sealed class RecoverBenchmarksOnStart(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var scope = services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<BenchmarkRecovery>().RecoverAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
