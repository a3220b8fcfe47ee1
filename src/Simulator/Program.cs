using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Portal.Simulator;

// dotnet run --project src/Simulator -- --listen 127.0.0.1:16443 --kubeconfig .local/kubeconfig --prometheus-sd .local/targets.json
var defaults = new SimulatorOptions { Listen = "127.0.0.1:16443" };
var listen = new Option<string>("--listen") { Description = "API server address (port 0 takes a free port)", DefaultValueFactory = _ => defaults.Listen };
var kubeconfig = new Option<string?>("--kubeconfig") { Description = "where to write the kubeconfig (default: a temporary file)" };
var prometheusSd = new Option<string?>("--prometheus-sd") { Description = "where to write the Prometheus file-SD targets (default: a temporary file)" };
var nodes = new Option<int>("--nodes") { Description = "simulated GPU nodes", DefaultValueFactory = _ => defaults.Nodes };
var gpusPerNode = new Option<int>("--gpus-per-node") { Description = "GPUs on each node", DefaultValueFactory = _ => defaults.GpusPerNode };
var gpuModel = new Option<string>("--gpu-model") { Description = "GPU product name", DefaultValueFactory = _ => defaults.GpuModel };
var gpuMemory = new Option<long>("--gpu-memory-mib") { Description = "memory of each GPU in MiB", DefaultValueFactory = _ => defaults.GpuMemoryMiB };
var loadTime = Duration("--model-load-time", "time an engine takes to load its model", defaults.ModelLoadTime);
var ttft = Duration("--ttft", "time to first token of an idle engine", defaults.TimeToFirstToken);
var itl = Duration("--inter-token-latency", "time between tokens of an idle engine", defaults.InterTokenLatency);
var maxBatch = new Option<int>("--max-batch") { Description = "requests an engine runs at once", DefaultValueFactory = _ => defaults.MaxBatch };
var pullTime = Duration("--ollama-pull-time", "time an Ollama /api/pull takes", defaults.OllamaPullDuration);
var probeSecond = Duration("--probe-second", "how long one second of a probe's periodSeconds/timeoutSeconds/initialDelaySeconds lasts", defaults.ProbeSecond);
var backOff = Duration("--crashloop-backoff", "the kubelet's first crash-loop back-off (doubles up to 30x)", defaults.CrashLoopBackOffBase);
var errorRate = new Option<double>("--fault-error-rate") { Description = "fraction (0..1) of API requests answered with 500", DefaultValueFactory = _ => 0 };
var latency = Duration("--fault-latency", "delay added to every API request", TimeSpan.Zero);
var prometheusUrl = new Option<Uri?>("--prometheus-url") { Description = "the Prometheus the simulated prometheus-adapter and KEDA query (none: HPAs and ScaledObjects report their metrics missing)" };
var hpaSync = Duration("--hpa-sync-period", "the HPA controller's sync period (--horizontal-pod-autoscaler-sync-period)", defaults.HpaSyncPeriod);
var verbose = new Option<bool>("--verbose") { Description = "log the simulator's own warnings and errors to the console" };

var root = new RootCommand("A simulated GPU cluster: Kubernetes API, engine pods (vLLM, SGLang, Ollama) and GPU metrics.")
{
    listen, kubeconfig, prometheusSd, nodes, gpusPerNode, gpuModel, gpuMemory, loadTime, ttft, itl, maxBatch, pullTime, probeSecond, backOff, errorRate, latency, prometheusUrl, hpaSync, verbose,
};
root.SetAction(async (result, ct) =>
{
    var options = new SimulatorOptions
    {
        Listen = result.GetValue(listen)!,
        KubeconfigPath = result.GetValue(kubeconfig),
        PrometheusSdPath = result.GetValue(prometheusSd),
        Nodes = result.GetValue(nodes),
        GpusPerNode = result.GetValue(gpusPerNode),
        GpuModel = result.GetValue(gpuModel)!,
        GpuMemoryMiB = result.GetValue(gpuMemory),
        ModelLoadTime = result.GetValue(loadTime),
        TimeToFirstToken = result.GetValue(ttft),
        InterTokenLatency = result.GetValue(itl),
        MaxBatch = result.GetValue(maxBatch),
        OllamaPullDuration = result.GetValue(pullTime),
        ProbeSecond = result.GetValue(probeSecond),
        CrashLoopBackOffBase = result.GetValue(backOff),
        CrashLoopBackOffMax = result.GetValue(backOff) * 30,
        ApiErrorRate = result.GetValue(errorRate),
        ApiAddedLatency = result.GetValue(latency),
        PrometheusUrl = result.GetValue(prometheusUrl),
        HpaSyncPeriod = result.GetValue(hpaSync),
    };
    using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(result.GetValue(verbose) ? LogLevel.Warning : LogLevel.Error));
    await using var cluster = await SimulatedCluster.StartAsync(options, loggerFactory, ct);
    Console.WriteLine($"Kubernetes API server  {cluster.ApiServerUrl}");
    Console.WriteLine($"kubeconfig             {Path.GetFullPath(cluster.KubeconfigPath)}");
    Console.WriteLine($"Prometheus file-SD     {Path.GetFullPath(cluster.PrometheusSdPath)}");
    Console.WriteLine($"nodes                  {options.Nodes} x {options.GpusPerNode} {options.GpuModel} ({options.GpuMemoryMiB} MiB)");
    foreach (var exporter in cluster.GpuExporterUrls)
    {
        Console.WriteLine($"GPU exporter           {exporter}");
    }

    Console.WriteLine("ready; Ctrl-C stops");
    try
    {
        await Task.Delay(Timeout.Infinite, ct);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("stopping");
    }

    return 0;
});
return await root.Parse(args).InvokeAsync();

static Option<TimeSpan> Duration(string name, string description, TimeSpan defaultValue) => new(name)
{
    Description = $"{description} (e.g. 200ms, 3s, 1m)",
    DefaultValueFactory = _ => defaultValue,
    CustomParser = r => ParseDuration(r.Tokens.Single().Value),
};

static TimeSpan ParseDuration(string text)
{
    var units = new (string Suffix, Func<double, TimeSpan> Make)[]
    {
        ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours),
    };
    foreach (var (suffix, make) in units)
    {
        if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return make(value);
        }
    }

    return TimeSpan.Parse(text, CultureInfo.InvariantCulture);
}
