using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using k8s;
using k8s.Autorest;
using Portal.TestSupport;

namespace Portal.Benchmarks;

/// <summary>
/// How long a deploy takes to reach the cluster: <c>POST /api/v1/deployments</c> answered (202), and the
/// StatefulSet readable on the API server (the job has run and applied it). The first deploy after start-up and
/// then warm ones one after the other, with jobs in memory on SQLite and in Hangfire's PostgreSQL storage in one run.
/// The SQLite portal starts first, so its first deploy is cold (the code on its path runs for the first time in the
/// process); the PostgreSQL portal's first deploy shares that warmed code. Target: a deploy on the cluster in under 1 s.
/// </summary>
public sealed class DeployLatencyBenchmark : IBenchmark
{
    private const int WarmDeploys = 20;

    public string Name => "deploy-latency";

    public string Description => $"POST /api/v1/deployments -> 202 and -> StatefulSet on the cluster, first deploy and {WarmDeploys} more, SQLite/in-memory jobs vs PostgreSQL";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var postgres = new PostgreSqlServer();
        await postgres.InitializeAsync();
        try
        {
            var sqlite = await MeasureAsync("SQLite, in-memory jobs", new Dictionary<string, string?>(), cancellationToken);
            var pg = await MeasureAsync("PostgreSQL, Hangfire.PostgreSql", new Dictionary<string, string?>
            {
                ["Database:Provider"] = "PostgreSql",
                ["ConnectionStrings:Portal"] = await postgres.CreateDatabaseAsync(cancellationToken: cancellationToken),
            }, cancellationToken);

            Console.WriteLine();
            Console.WriteLine($"{"",-32} {"first: 202",11} {"first: on cluster",18} {"warm p50: 202",14} {"warm p50: on cluster",21} {"warm max: on cluster",21}");
            foreach (var f in new[] { sqlite, pg })
            {
                Console.WriteLine($"{f.Label,-32} {f.FirstAnswered,9:F0}ms {f.FirstApplied,16:F0}ms {f.WarmAnswered.P50,12:F0}ms {f.WarmApplied.P50,19:F0}ms {f.WarmApplied.Max,19:F0}ms");
            }

            var met = sqlite.FirstApplied < 1000 && sqlite.WarmApplied.P50 < 1000 && pg.WarmApplied.P50 < 1000;
            Console.WriteLine($"verdict: {(met ? "met" : "NOT met")} (the cold first deploy and the warm median on the cluster in under 1000 ms)");
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    private sealed record Spread(double P50, double Max);

    private sealed record Figures(string Label, double FirstAnswered, double FirstApplied, Spread WarmAnswered, Spread WarmApplied);

    private static async Task<Figures> MeasureAsync(string label, Dictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        Console.WriteLine($"--- {label}");
        settings["Logging:LogLevel:Default"] = "Warning";
        var simulator = PortalOnSimulator.FastSimulator with { Nodes = 3, GpusPerNode = 8 };
        await using var env = await PortalOnSimulator.StartAsync(simulator, settings, cancellationToken: cancellationToken);
        using var client = env.ApiClient();
        using var cluster = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(env.Cluster.KubeconfigPath));
        using (var ready = await client.GetAsync("/readyz", cancellationToken))
        {
            Console.WriteLine($"/readyz: {(int)ready.StatusCode}");
        }

        var answered = new List<double>();
        var applied = new List<double>();
        for (var i = 0; i <= WarmDeploys; i++)
        {
            var (toAnswer, toCluster) = await DeployAsync(cluster, client, $"latency-{i:D2}", cancellationToken);
            answered.Add(toAnswer);
            applied.Add(toCluster);
        }

        Console.WriteLine($"on the cluster after, in order (ms): {string.Join(' ', applied.Select(a => a.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"first deploy: 202 after {answered[0]:F0} ms, StatefulSet on the cluster after {applied[0]:F0} ms");
        var warmAnswered = Summarize(answered.Skip(1));
        var warmApplied = Summarize(applied.Skip(1));
        Console.WriteLine($"warm ({WarmDeploys}): 202 p50 {warmAnswered.P50:F0} ms (max {warmAnswered.Max:F0}), on the cluster p50 {warmApplied.P50:F0} ms (max {warmApplied.Max:F0})");
        return new Figures(label, answered[0], applied[0], warmAnswered, warmApplied);
    }

    private static async Task<(double Answered, double Applied)> DeployAsync(IKubernetes cluster, HttpClient client, string name, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsJsonAsync("/api/v1/deployments",
            new { name, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1 },
            cancellationToken);
        var answered = clock.Elapsed.TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var deadline = TimeSpan.FromSeconds(30);
        while (clock.Elapsed < deadline)
        {
            try
            {
                await cluster.AppsV1.ReadNamespacedStatefulSetAsync(name, "default", cancellationToken: cancellationToken);
                return (answered, clock.Elapsed.TotalMilliseconds);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                await Task.Delay(5, cancellationToken);
            }
        }

        throw new TimeoutException($"the StatefulSet {name} was not on the cluster {deadline.TotalSeconds:0} s after its POST");
    }

    private static Spread Summarize(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return new Spread(sorted[sorted.Count / 2], sorted[^1]);
    }
}
