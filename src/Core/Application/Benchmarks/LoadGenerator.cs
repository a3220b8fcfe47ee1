using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>One step to run: how load is offered, how many requests, the cap on requests in flight and on its duration.</summary>
public sealed record StepPlan(StepKind Kind, double Level, int Requests, int MaxConcurrency, TimeSpan MaxDuration, int Seed)
{
    /// <summary>Requests in flight for the closed-loop kinds.</summary>
    public int Workers => Kind switch
    {
        StepKind.Synchronous => 1,
        StepKind.Throughput => Math.Min(MaxConcurrency, Requests),
        StepKind.Concurrency => Math.Min((int)Level, Requests),
        _ => 0,
    };

    public string Describe() => Kind switch
    {
        StepKind.Synchronous => "synchronous",
        StepKind.Throughput => $"throughput (up to {Workers} at once)",
        StepKind.Concurrency => $"concurrency {Level:0}",
        _ => $"{Level:0.##} req/s",
    };
}

/// <summary>What a step recorded: one sample per request sent (in send order), and when it ran.</summary>
public sealed record StepRecording(IReadOnlyList<RequestSample> Samples, TimeSpan Duration, DateTimeOffset StartedAt, DateTimeOffset FinishedAt);

/// <summary>Sends request <c>index</c> of a step that started at <c>stepStart</c> (a timestamp) and returns its sample.</summary>
public delegate Task<RequestSample> SendRequest(int index, long stepStart, CancellationToken cancellationToken);

/// <summary>
/// Offers one step of load: closed loops of a fixed number of workers (concurrency, synchronous, throughput), or open-loop
/// Poisson arrivals at a rate with at most <see cref="StepPlan.MaxConcurrency"/> in flight. The arrival times follow
/// <c>vllm bench serve</c>'s <c>get_request</c> (vllm/benchmarks/serve.py @ 009e6d4a): exponential gaps (gamma with
/// burstiness 1), scaled so the last arrival falls at requests / rate. A step ends when every request sent has answered;
/// cancelling aborts the requests in flight and throws.
/// </summary>
public sealed class LoadGenerator(TimeProvider time)
{
    public async Task<StepRecording> RunAsync(StepPlan plan, SendRequest send, Action? completed, CancellationToken cancellationToken)
    {
        var samples = new RequestSample?[plan.Requests];
        var startedAt = time.GetUtcNow();
        var start = time.GetTimestamp();
        if (plan.Kind == StepKind.Rate)
        {
            await OpenLoopAsync(plan, send, samples, start, completed, cancellationToken);
        }
        else
        {
            await ClosedLoopAsync(plan, send, samples, start, completed, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var duration = time.GetElapsedTime(start);
        return new StepRecording(samples.OfType<RequestSample>().ToList(), duration, startedAt, startedAt + duration);
    }

    /// <summary>The arrival offsets (seconds from the start) of <paramref name="count"/> Poisson arrivals at <paramref name="rate"/>.</summary>
    public static double[] PoissonArrivals(int count, double rate, int seed)
    {
        var random = new Random(seed);
        var arrivals = new double[count];
        var t = 0.0;
        for (var i = 0; i < count; i++)
        {
            t += -Math.Log(1.0 - random.NextDouble()) / rate;
            arrivals[i] = t;
        }

        // vLLM shifts nothing but rescales, so the requests span exactly count / rate seconds.
        var scale = count / rate / arrivals[^1];
        for (var i = 0; i < count; i++)
        {
            arrivals[i] *= scale;
        }

        return arrivals;
    }

    private async Task ClosedLoopAsync(StepPlan plan, SendRequest send, RequestSample?[] samples, long start, Action? completed, CancellationToken ct)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Math.Max(1, plan.Workers)).Select(_ => Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= samples.Length || time.GetElapsedTime(start) >= plan.MaxDuration)
                {
                    return;
                }

                samples[index] = await send(index, start, ct);
                completed?.Invoke();
            }
        }, CancellationToken.None)).ToArray();
        await WhenAllAsync(workers, ct);
    }

    private async Task OpenLoopAsync(StepPlan plan, SendRequest send, RequestSample?[] samples, long start, Action? completed, CancellationToken ct)
    {
        var arrivals = PoissonArrivals(samples.Length, plan.Level, plan.Seed);
        using var slots = new SemaphoreSlim(plan.MaxConcurrency);
        var inFlight = new List<Task>(samples.Length);
        try
        {
            for (var i = 0; i < samples.Length; i++)
            {
                var wait = TimeSpan.FromSeconds(arrivals[i]) - time.GetElapsedTime(start);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, time, ct);
                }

                if (time.GetElapsedTime(start) >= plan.MaxDuration)
                {
                    break;
                }

                await slots.WaitAsync(ct);
                var index = i;
                inFlight.Add(Task.Run(async () =>
                {
                    try
                    {
                        samples[index] = await send(index, start, ct);
                        completed?.Invoke();
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
        }
        finally
        {
            // Whatever ended the loop, the requests already sent are awaited (cancelled ones end at once).
            await WhenAllAsync(inFlight, CancellationToken.None);
        }
    }

    private static async Task WhenAllAsync(IEnumerable<Task> tasks, CancellationToken ct)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
