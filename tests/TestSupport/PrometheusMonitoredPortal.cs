extern alias simulator;

using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Portal.TestSupport;

/// <summary>A deployment to create through the REST API; <see cref="ServedName"/> is what the gateway routes by.</summary>
public sealed record DashboardDeployment(string Name, string Framework, string Model, string ServedName, int Gpus, bool Loaded)
{
    public object Body(string ns) => Framework == "ollama"
        ? new { name = Name, @namespace = ns, framework = Framework, model = Model, replicas = 1, gpusPerReplica = Gpus }
        : new { name = Name, @namespace = ns, framework = Framework, model = Model, servedModelName = ServedName, replicas = 1, gpusPerReplica = Gpus };
}

/// <summary>
/// The dashboard's whole world on one machine: a simulated cluster (two nodes, two GPUs each), the portal wired to
/// it and to a real Prometheus that scrapes the cluster's file-SD targets and the portal's own /metrics every second,
/// one deployment per framework plus an idle Ollama one, and chat requests streamed through the portal's gateway
/// to the loaded deployments the whole time.
/// </summary>
public sealed class PrometheusMonitoredPortal : IAsyncDisposable
{
    public const string Namespace = "dash";

    public static readonly IReadOnlyList<DashboardDeployment> Deployments =
    [
        new("a-vllm", "vllm", "Qwen/Qwen2.5-0.5B-Instruct", "a-vllm-qwen", 1, Loaded: true),
        new("b-sglang", "sglang", "Qwen/Qwen2.5-0.5B-Instruct", "b-sglang-qwen", 1, Loaded: true),
        new("c-ollama", "ollama", "qwen2.5:0.5b", "qwen2.5:0.5b", 1, Loaded: true),
        new("d-ollama", "ollama", "llama3.2:1b", "llama3.2:1b", 0, Loaded: false),
    ];

    private readonly CancellationTokenSource _stopLoad = new();
    private readonly List<Task> _load = [];
    private int _requests;
    private int _failures;

    private readonly IReadOnlyList<DashboardDeployment> _deployments;
    private readonly int _streams;

    private PrometheusMonitoredPortal(PortalOnSimulator env, PrometheusServer prometheus, IReadOnlyList<DashboardDeployment> deployments, int streams)
    {
        Env = env;
        Prometheus = prometheus;
        _deployments = deployments;
        _streams = streams;
    }

    public PortalOnSimulator Env { get; }

    public PrometheusServer Prometheus { get; }

    public PortalAppFactory Portal => Env.Portal;

    /// <summary>Chat requests sent so far, and how many failed.</summary>
    public (int Sent, int Failed) Load => (Volatile.Read(ref _requests), Volatile.Read(ref _failures));

    /// <summary>
    /// Starts everything, deploys <paramref name="deployments"/> (<see cref="Deployments"/> by default) in
    /// <see cref="Namespace"/>, streams <paramref name="streamsPerDeployment"/> conversations at a time to each loaded
    /// one and waits until Prometheus has their rates.
    /// </summary>
    public static async Task<PrometheusMonitoredPortal> StartAsync(
        IDictionary<string, string?>? settings = null,
        int gpusPerNode = 2,
        CancellationToken cancellationToken = default,
        IReadOnlyList<DashboardDeployment>? deployments = null,
        int streamsPerDeployment = 2)
    {
        var targets = Path.Combine(Directory.CreateTempSubdirectory("dashboard-sd-").FullName, "targets.json");
        var prometheus = PrometheusServer.Prepare(targets);
        var all = new Dictionary<string, string?>
        {
            ["Prometheus:Url"] = prometheus.Url.ToString(),
            ["Prometheus:Timeout"] = "00:00:02",
            ["Dashboard:RefreshInterval"] = "00:00:02",
            ["Reconcile:Interval"] = "00:00:02",
            ["Kubernetes:Namespaces:2"] = Namespace,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var env = await PortalOnSimulator.StartAsync(
            PortalOnSimulator.FastSimulator with { Nodes = 2, GpusPerNode = gpusPerNode, PrometheusSdPath = targets },
            all,
            cancellationToken: cancellationToken);
        var world = new PrometheusMonitoredPortal(env, prometheus, deployments ?? Deployments, streamsPerDeployment);
        try
        {
            await prometheus.StartAsync(env.Portal.BaseAddress, cancellationToken);
            await world.DeployAsync(cancellationToken);
            world.StartLoad();
            await world.WaitForRatesAsync(cancellationToken);
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopLoad.CancelAsync();
        await Task.WhenAll(_load);
        _stopLoad.Dispose();
        await Prometheus.DisposeAsync();
        await Env.DisposeAsync();
    }

    private async Task DeployAsync(CancellationToken cancellationToken)
    {
        using var api = Env.ApiClient();
        foreach (var deployment in _deployments)
        {
            using var response = await api.PostAsJsonAsync("/api/v1/deployments", deployment.Body(Namespace), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"creating {deployment.Name} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }

        foreach (var deployment in _deployments)
        {
            await Env.WaitForDeploymentAsync(deployment.Name, d => d.State == "ready", TimeSpan.FromSeconds(60), cancellationToken);
        }
    }

    private void StartLoad()
    {
        // Conversations at the same time per loaded deployment, so batches and GPU utilisation are above zero.
        foreach (var deployment in _deployments.Where(d => d.Loaded))
        {
            for (var i = 0; i < _streams; i++)
            {
                _load.Add(Task.Run(() => LoadAsync(deployment.ServedName, _stopLoad.Token)));
            }
        }
    }

    /// <summary>Streams short chats through the gateway, one after another, until stopped.</summary>
    private async Task LoadAsync(string model, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Portal.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PortalOnSimulator.AdminApiKey);
        var i = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                {
                    Content = JsonContent.Create(new
                    {
                        model,
                        stream = true,
                        max_tokens = 12,
                        messages = new[] { new { role = "user", content = $"Status report {i++}, please." } },
                    }),
                };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                await response.Content.ReadAsStringAsync(cancellationToken);
                Interlocked.Increment(ref _requests);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _failures);
                }

                await Task.Delay(150, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _failures);
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Waits until Prometheus shows request rates for every loaded deployment (the engine's, or the gateway's for
    /// engines without metrics) and the portal's readiness for all, as of 6 s ago: the dashboard's 5 s step puts its
    /// newest point up to a step before now.
    /// </summary>
    private async Task WaitForRatesAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(90);
        var ago = TimeSpan.FromSeconds(6);
        var loaded = _deployments.Where(d => d.Loaded).ToList();
        var engines = loaded.Count(d => d.Framework is "vllm" or "sglang");
        var viaGateway = loaded.Count - engines;
        if (engines > 0)
        {
            await Prometheus.WaitForSeriesAsync(
                $"sum by (deployment) (rate(vllm:e2e_request_latency_seconds_count{{namespace=\"{Namespace}\"}}[1m]) > 0 or rate(sglang:e2e_request_latency_seconds_count{{namespace=\"{Namespace}\"}}[1m]) > 0)",
                atLeast: engines, timeout: timeout, cancellationToken: cancellationToken, ago: ago);
        }

        if (viaGateway > 0)
        {
            // The gateway's series carry no namespace: name the deployments (other portals may share the process's registry).
            var names = string.Join("|", loaded.Where(d => d.Framework is not ("vllm" or "sglang")).Select(d => d.Name));
            await Prometheus.WaitForSeriesAsync(
                $"sum by (deployment) (rate(portal_gateway_time_to_first_token_seconds_count{{deployment=~\"{names}\"}}[1m])) > 0",
                atLeast: viaGateway, timeout: timeout, cancellationToken: cancellationToken, ago: ago);
        }

        await Prometheus.WaitForSeriesAsync(
            $"portal_deployment_ready{{namespace=\"{Namespace}\"}} == 1", atLeast: _deployments.Count, timeout: timeout, cancellationToken: cancellationToken, ago: ago);
    }
}
