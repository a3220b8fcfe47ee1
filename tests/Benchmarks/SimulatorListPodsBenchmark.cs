using System.Diagnostics;
using Portal.Simulator;

namespace Portal.Benchmarks;

/// <summary>A list of all pods from a simulator holding 50 StatefulSets and 200 running pods (target under 50 ms).</summary>
public sealed class SimulatorListPodsBenchmark : IBenchmark
{
    private const int StatefulSets = 50;
    private const int ReplicasEach = 4;
    private const int Iterations = 200;

    public string Name => "simulator-list-pods";

    public string Description => "list all pods with 50 StatefulSets / 200 pods (target < 50 ms)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatorOptions
        {
            Nodes = 25,
            GpusPerNode = 8,
            ModelLoadTime = TimeSpan.FromMilliseconds(50),
            ContainerStartTime = TimeSpan.FromMilliseconds(10),
        }, cancellationToken);
        using var http = new HttpClient();
        var setup = Stopwatch.StartNew();
        for (var i = 0; i < StatefulSets; i++)
        {
            await SimulatorBenchmarkCluster.CreateAsync(http, cluster, "/apis/apps/v1/namespaces/default/statefulsets",
                SimulatorBenchmarkCluster.StatefulSet($"model-{i:00}", ReplicasEach), cancellationToken);
        }

        await SimulatorBenchmarkCluster.WaitForReadyPodsAsync(http, cluster, StatefulSets * ReplicasEach, cancellationToken);
        Console.WriteLine($"setup: {StatefulSets} StatefulSets, {StatefulSets * ReplicasEach} ready pods in {setup.Elapsed.TotalSeconds:0.0} s");

        for (var i = 0; i < 10; i++)
        {
            await http.GetByteArrayAsync(new Uri(cluster.ApiServerUrl, "/api/v1/pods"), cancellationToken);
        }

        cluster.ApiCalls.Reset();
        var timings = new List<double>();
        var bytes = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            var body = await http.GetByteArrayAsync(new Uri(cluster.ApiServerUrl, "/api/v1/pods"), cancellationToken);
            timings.Add(watch.Elapsed.TotalMilliseconds);
            bytes = body.Length;
        }

        timings.Sort();
        Console.WriteLine($"list all pods ({bytes / 1024} KiB, {cluster.ApiCalls["list", "pods"]} list calls): " +
            $"median {SimulatorBenchmarkCluster.Percentile(timings, 0.5):0.00} ms, p95 {SimulatorBenchmarkCluster.Percentile(timings, 0.95):0.00} ms, " +
            $"max {timings[^1]:0.00} ms (target < 50 ms)");
    }
}
