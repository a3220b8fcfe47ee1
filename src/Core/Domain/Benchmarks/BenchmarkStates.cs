namespace Portal.Domain.Benchmarks;

/// <summary>Where a benchmark run is; the REST API writes these in lower case.</summary>
public enum BenchmarkState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>How load is offered, as in <c>vllm bench serve</c> and GuideLLM.</summary>
public enum LoadKind
{
    /// <summary>A fixed number of requests in flight (<c>--max-concurrency</c>, GuideLLM's concurrent profile).</summary>
    Concurrency,

    /// <summary>A fixed request rate with Poisson arrivals (<c>--request-rate</c> with burstiness 1).</summary>
    Rate,

    /// <summary>GuideLLM's sweep: synchronous, then throughput, then rates evenly spaced between the two.</summary>
    Sweep,
}

/// <summary>What one step of a run did.</summary>
public enum StepKind
{
    /// <summary>A fixed number of requests in flight; the level is that number.</summary>
    Concurrency,

    /// <summary>Poisson arrivals at a rate; the level is the offered requests per second.</summary>
    Rate,

    /// <summary>One request at a time (the sweep's first step); the level is 1.</summary>
    Synchronous,

    /// <summary>Everything at once up to the concurrency cap (the sweep's second step); the level is that cap.</summary>
    Throughput,
}

/// <summary>How prompt and reply lengths vary around their means.</summary>
public enum LengthDistribution
{
    Fixed,

    /// <summary>Uniform in [mean × (1 − spread), mean × (1 + spread)], like <c>vllm bench serve --random-range-ratio</c>.</summary>
    Uniform,

    /// <summary>Normal with standard deviation mean × spread (genai-perf's mean/stddev), at least one token.</summary>
    Normal,
}

/// <summary>Where prompts come from.</summary>
public enum WorkloadDataset
{
    /// <summary>Random words sized to the requested token counts.</summary>
    Synthetic,

    /// <summary>The chat turns the portal ships (multi-message conversations with their reply lengths).</summary>
    Chat,
}
