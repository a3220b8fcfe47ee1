using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Portal.Simulator;
using Portal.TestSupport;

namespace Portal.Benchmarks;

/// <summary>
/// REST <c>POST /api/v1/deployments</c> throughput on PostgreSQL with one portal replica, then with two (separate
/// processes, requests split between them), same load generator and client count. Each request validates, stores the
/// deployment and its operation, and enqueues its job in Hangfire's PostgreSQL storage; the job servers are off so the
/// figure is the API's, not the cluster's.
/// </summary>
public sealed class RestScaleOutBenchmark : IBenchmark
{
    private const int Clients = 32;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Measured = TimeSpan.FromSeconds(15);

    public string Name => "rest-scale-out";

    public string Description => $"POST /api/v1/deployments req/s on PostgreSQL, one replica vs two ({Clients} clients, {Measured.TotalSeconds:0} s)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var postgres = new PostgreSqlServer();
        await postgres.InitializeAsync();
        await using var cluster = await SimulatedCluster.StartAsync(PortalOnSimulator.FastSimulator, cancellationToken);
        try
        {
            var one = await MeasureAsync(postgres, cluster, 1, configuration, cancellationToken);
            var two = await MeasureAsync(postgres, cluster, 2, configuration, cancellationToken);
            Console.WriteLine($"one replica:  {one.PerSecond,7:F0} req/s  (p50 {one.P50:F1} ms, p99 {one.P99:F1} ms, {one.Failed} failed)");
            Console.WriteLine($"two replicas: {two.PerSecond,7:F0} req/s  (p50 {two.P50:F1} ms, p99 {two.P99:F1} ms, {two.Failed} failed)");
            Console.WriteLine($"two / one: {two.PerSecond / one.PerSecond:F2}x   (goal >= 1.6x; {Environment.ProcessorCount} cores shared by load generator, portals and PostgreSQL)");
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    private sealed record Figures(double PerSecond, double P50, double P99, int Failed);

    private static async Task<Figures> MeasureAsync(PostgreSqlServer postgres, SimulatedCluster cluster, int replicas, string configuration, CancellationToken cancellationToken)
    {
        var settings = PortalReplicas.Settings(await postgres.CreateDatabaseAsync(cancellationToken: cancellationToken), cluster);
        settings["Portal:ExpectReplicas"] = replicas.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Hangfire:ServerEnabled"] = "false";
        settings["Reconcile:Watch"] = "false";
        settings["Logging:LogLevel:Default"] = "Error";
        var portals = new List<PortalProcess>();
        try
        {
            // One after the other: the first migrates, the second finds nothing to do.
            for (var i = 0; i < replicas; i++)
            {
                portals.Add(await PortalProcess.StartAsync(settings, cancellationToken, configuration, readiness: "/healthz"));
            }

            var clients = Enumerable.Range(0, Clients).Select(i => portals[i % replicas].ApiClient()).ToList();
            var latencies = new List<double>[Clients];
            var failed = 0;
            var counted = 0L;
            var started = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
            {
                latencies[c] = [];
                for (var n = 0; started.Elapsed < Warmup + Measured; n++)
                {
                    var begin = Stopwatch.GetTimestamp();
                    using var response = await clients[c].PostAsJsonAsync("/api/v1/deployments",
                        new { name = $"r{replicas}-c{c}-{n}", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1 },
                        cancellationToken);
                    if (started.Elapsed < Warmup)
                    {
                        continue;
                    }

                    if (response.StatusCode != HttpStatusCode.Accepted)
                    {
                        Interlocked.Increment(ref failed);
                        continue;
                    }

                    Interlocked.Increment(ref counted);
                    latencies[c].Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
                }
            }, cancellationToken)));
            var elapsed = started.Elapsed - Warmup;
            clients.ForEach(c => c.Dispose());
            var all = latencies.SelectMany(l => l).Order().ToList();
            return new Figures(counted / elapsed.TotalSeconds, all[all.Count / 2], all[(int)(all.Count * 0.99)], failed);
        }
        finally
        {
            foreach (var portal in portals)
            {
                await portal.DisposeAsync();
            }
        }
    }
}
