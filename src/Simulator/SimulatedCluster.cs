using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Simulator.Api;
using Portal.Simulator.Autoscaling;
using Portal.Simulator.Controllers;
using Portal.Simulator.Kubelets;
using Portal.Simulator.Gpu;
using Portal.Simulator.Observability;

namespace Portal.Simulator;

/// <summary>
/// A simulated GPU cluster: a Kubernetes API server, the controllers and kubelets behind it, engine pods
/// on their own loopback addresses, a GPU exporter per node and a Prometheus file-SD file.
/// </summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    private readonly ApiServer _apiServer;
    private readonly ControllerManager _controllers;
    private readonly Kubelet _kubelet;
    private readonly List<DcgmExporter> _exporters;
    private readonly FileSdWriter _fileSd;
    private readonly List<string> _temporaryFiles;
    private readonly HorizontalPodAutoscalerController _hpa;
    private readonly KedaOperator _keda;
    private readonly PrometheusQueries _prometheus;

    private SimulatedCluster(
        SimulatorOptions options, ApiServer apiServer, ControllerManager controllers, Kubelet kubelet, List<DcgmExporter> exporters,
        FileSdWriter fileSd, ResourceApi api, LoopbackRange addresses, SimulatorFaults faults, EngineSettings engines, ApiCallCounter calls,
        string kubeconfigPath, List<string> temporaryFiles, HorizontalPodAutoscalerController hpa, KedaOperator keda, PrometheusQueries prometheus)
    {
        _hpa = hpa;
        _keda = keda;
        _prometheus = prometheus;
        Options = options;
        _apiServer = apiServer;
        _controllers = controllers;
        _kubelet = kubelet;
        _exporters = exporters;
        _fileSd = fileSd;
        Api = api;
        Addresses = addresses;
        Faults = faults;
        Engines = engines;
        ApiCalls = calls;
        KubeconfigPath = kubeconfigPath;
        _temporaryFiles = temporaryFiles;
    }

    public SimulatorOptions Options { get; }

    /// <summary>The API server's address, <c>http://127.0.0.1:PORT</c>.</summary>
    public Uri ApiServerUrl => _apiServer.Url;

    /// <summary>A kubeconfig that KubernetesClient and kubectl accept.</summary>
    public string KubeconfigPath { get; }

    /// <summary>The Prometheus file-SD file listing engine and GPU exporter targets.</summary>
    public string PrometheusSdPath => _fileSd.Path;

    public SimulatorFaults Faults { get; }

    public EngineSettings Engines { get; }

    public ApiCallCounter ApiCalls { get; }

    /// <summary>The GPU exporters' scrape addresses (<c>http://127.x.0.n:9400/metrics</c>), one per node.</summary>
    public IReadOnlyList<Uri> GpuExporterUrls => _exporters.Select(e => new Uri($"http://{e.Endpoint}/metrics")).ToList();

    internal ResourceApi Api { get; }

    internal LoopbackRange Addresses { get; }

    public static async Task<SimulatedCluster> StartAsync(SimulatorOptions options, CancellationToken ct) =>
        await StartAsync(options, NullLoggerFactory.Instance, ct);

    public static async Task<SimulatedCluster> StartAsync(SimulatorOptions options, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Nodes);
        ArgumentOutOfRangeException.ThrowIfNegative(options.GpusPerNode);
        var time = options.TimeProvider;
        var (addresses, nodes, exporters) = await StartNodesAsync(options, loggerFactory, ct);

        var store = new ObjectStore(time);
        var api = new ResourceApi(store, new Admission(store), time);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            api.Create(ResourceTypes.Namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        }

        foreach (var node in nodes)
        {
            store.Create(ResourceTypes.Nodes, node.ToObject());
        }

        var engines = new EngineSettings(options.TimeToFirstToken, options.InterTokenLatency, options.MaxBatch)
        {
            SglangHealthPollInterval = options.SglangHealthPollInterval,
        };
        var events = new EventRecorder(store, time);
        var gpus = new GpuAllocator(nodes);
        var crashLoops = new CrashLoopFaults();
        var kubelet = new Kubelet(store, gpus, addresses, events, options, engines, crashLoops, loggerFactory);
        var controllers = new ControllerManager(
            store, new StatefulSetController(api, events), new Scheduler(store, gpus, events, time, options.ControlPlaneHost), kubelet,
            new VolumeBinder(store, events), new GarbageCollector(api), new EndpointsController(api), loggerFactory.CreateLogger<ControllerManager>());
        var faults = new SimulatorFaults(kubelet.KillAsync, kubelet.CrashLoop, crashLoops.Clear, options.ApiErrorRate, options.ApiAddedLatency, engines);
        var calls = new ApiCallCounter();
        var prometheus = new PrometheusQueries(options.PrometheusUrl, TimeSpan.FromSeconds(5));
        var adapter = new MetricsAdapter(prometheus);
        var keda = new KedaOperator(api, events, time, loggerFactory.CreateLogger<KedaOperator>());
        adapter.Register(keda);
        var hpa = new HorizontalPodAutoscalerController(api, adapter, events,
            new AutoscalingOptions(options.HpaSyncPeriod, options.HpaTolerance, options.HpaDownscaleStabilization), time,
            loggerFactory.CreateLogger<HorizontalPodAutoscalerController>());
        var apiServer = new ApiServer(ParseEndpoint(options.Listen), api, kubelet, faults, calls, time, loggerFactory, adapter);
        await apiServer.StartAsync(ct);
        controllers.Start();
        hpa.Start();
        keda.Start();

        var temporary = new List<string>();
        var kubeconfig = options.KubeconfigPath ?? Temporary(temporary, "kubeconfig");
        Kubeconfig.Write(kubeconfig, apiServer.Url);
        var sdPath = options.PrometheusSdPath ?? Temporary(temporary, "targets.json");
        var fileSd = new FileSdWriter(sdPath, kubelet, exporters, time);
        fileSd.Start();
        return new SimulatedCluster(options, apiServer, controllers, kubelet, exporters, fileSd, api, addresses, faults, engines, calls, kubeconfig, temporary, hpa, keda, prometheus);
    }

    public async ValueTask DisposeAsync()
    {
        await _fileSd.DisposeAsync();
        await _keda.DisposeAsync();
        await _hpa.DisposeAsync();
        _prometheus.Dispose();
        await _apiServer.DisposeAsync();
        await _controllers.DisposeAsync();
        await _kubelet.DisposeAsync();
        foreach (var exporter in _exporters)
        {
            await exporter.DisposeAsync();
        }

        Addresses.Dispose();

        foreach (var file in _temporaryFiles)
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Reserves this simulator's 127.x block and binds a GPU exporter on every node address of it. A block
    /// something else already binds into (a simulator that holds no marker) fails to bind, and a fresh one is tried.
    /// </summary>
    private static async Task<(LoopbackRange, List<SimulatedNode>, List<DcgmExporter>)> StartNodesAsync(SimulatorOptions options, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var tried = new HashSet<int>();
        for (var attempt = 0; ; attempt++)
        {
            var range = LoopbackRange.Reserve(options.LoopbackOctet, tried);
            var nodes = Enumerable.Range(0, options.Nodes)
                .Select(i => new SimulatedNode($"gpu-node-{i + 1}", range.Node(i), options.GpusPerNode, options.GpuModel, options.GpuMemoryMiB))
                .ToList();
            var exporters = new List<DcgmExporter>();
            try
            {
                foreach (var node in nodes)
                {
                    var exporter = new DcgmExporter(node);
                    await exporter.StartAsync(loggerFactory, ct);
                    exporters.Add(exporter);
                }

                return (range, nodes, exporters);
            }
            catch (Exception e) when (LoopbackRange.IsAddressInUse(e) && attempt < 20 && options.LoopbackOctet is null)
            {
                foreach (var exporter in exporters)
                {
                    await exporter.DisposeAsync();
                }

                tried.Add(range.Octet);
                range.Dispose();
            }
        }
    }

    private static IPEndPoint ParseEndpoint(string listen)
    {
        var colon = listen.LastIndexOf(':');
        var host = colon > 0 ? listen[..colon] : listen;
        var port = colon > 0 ? int.Parse(listen[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var address = host is "localhost" or "" ? IPAddress.Loopback : IPAddress.Parse(host.Trim('[', ']'));
        return new IPEndPoint(address, port);
    }

    private static string Temporary(List<string> files, string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"portal-sim-{Guid.NewGuid():N}-{name}");
        files.Add(path);
        return path;
    }
}
