using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Portal.Simulator.Controllers;
using Portal.Simulator.Engines;

namespace Portal.Simulator.Gpu;

/// <summary>
/// dcgm-exporter for one node, on the node's address and port 9400: the default counters per GPU with
/// dcgm-exporter's label set, and the pod, namespace and container of the pod holding the GPU.
/// Utilisation follows the holding engine's batch; framebuffer use follows what it has loaded.
/// </summary>
internal sealed class DcgmExporter(SimulatedNode node) : IAsyncDisposable
{
    public const int Port = 9400;
    private const string DriverVersion = "550.90.07";
    private const double IdleTemperature = 41;
    private const double IdlePower = 69.5;
    private const double PowerLimit = 700;

    /// <summary>Framebuffer the driver keeps for itself (an assumption; it is reported apart from used + free).</summary>
    private const double ReservedMiB = 338;

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private EngineServer? _server;

    public SimulatedNode Node => node;

    public IPEndPoint Endpoint => new(node.Address, Port);

    public async Task StartAsync(ILoggerFactory loggerFactory, CancellationToken ct) =>
        _server = await EngineServer.StartAsync(Endpoint, HandleAsync, loggerFactory, ct);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private Task HandleAsync(HttpContext context) => (context.Request.Method, context.Request.Path.Value) switch
    {
        ("GET", "/metrics") => context.Response.WriteTextAsync(200, Render(), "text/plain; version=0.0.4; charset=utf-8", context.RequestAborted),
        ("GET", "/health") => context.Response.WriteTextAsync(200, "OK", "text/plain", context.RequestAborted),
        _ => context.Response.WriteTextAsync(404, "404 page not found\n", "text/plain", context.RequestAborted),
    };

    /// <summary>
    /// The counters of dcgm-exporter 4.5.3-4.8.2's <c>etc/default-counters.csv</c>, in its order, rendered as its
    /// <c>render_metrics.go</c> GPU template does: HELP and TYPE from the CSV, integer fields with <c>%d</c>, double
    /// fields with <c>%f</c>; <c>DCGM_FI_DRIVER_VERSION</c> is a label, not a series.
    /// </summary>
    public string Render()
    {
        var samples = node.Gpus.Select(g => (Gpu: g, Reading: Read(g))).ToList();
        var seconds = _clock.Elapsed.TotalSeconds;
        var text = new StringBuilder();
        void Metric(string name, string type, string help, Func<Reading, double> value, bool isDouble = false)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (gpu, reading) in samples)
            {
                var v = value(reading);
                text.Append(name).Append('{').Append(Labels(gpu)).Append("} ")
                    .Append(isDouble ? v.ToString("F6", CultureInfo.InvariantCulture) : ((long)Math.Round(v)).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        double Power(Reading r) => IdlePower + (PowerLimit - 150) * r.Utilization + (r.MemoryFraction > 0 ? 45 : 0);
        Metric("DCGM_FI_DEV_SM_CLOCK", "gauge", "SM clock frequency (in MHz).", r => r.Utilization > 0 ? 1980 : 345);
        Metric("DCGM_FI_DEV_MEM_CLOCK", "gauge", "Memory clock frequency (in MHz).", _ => 2619);
        Metric("DCGM_FI_DEV_MEMORY_TEMP", "gauge", "Memory temperature (in C).", r => IdleTemperature - 4 + 30 * r.Utilization);
        Metric("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C).", r => IdleTemperature + 32 * r.Utilization);
        Metric("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).", Power, isDouble: true);
        // Energy since the exporter started at the current draw: a stand-in for the GPU's own accumulator.
        Metric("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ).", r => Power(r) * seconds * 1000);
        Metric("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "counter", "Total number of PCIe retries.", _ => 0);
        Metric("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).", r => 100 * r.Utilization);
        Metric("DCGM_FI_DEV_MEM_COPY_UTIL", "gauge", "Memory utilization (in %).", r => 60 * r.Utilization);
        Metric("DCGM_FI_DEV_ENC_UTIL", "gauge", "Encoder utilization (in %).", _ => 0);
        Metric("DCGM_FI_DEV_DEC_UTIL", "gauge", "Decoder utilization (in %).", _ => 0);
        Metric("DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered.", _ => 0);
        Metric("DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB).", r => node.GpuMemoryMiB - Used(r));
        Metric("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).", Used);
        Metric("DCGM_FI_DEV_FB_RESERVED", "gauge", "Framebuffer memory reserved (in MiB).", _ => ReservedMiB);
        Metric("DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "counter", "Total number of NVLink bandwidth counters for all lanes.", _ => 0);
        Metric("DCGM_FI_DEV_VGPU_LICENSE_STATUS", "gauge", "vGPU License status", _ => 0);
        Metric("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "counter", "Number of remapped rows for uncorrectable errors", _ => 0);
        Metric("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "counter", "Number of remapped rows for correctable errors", _ => 0);
        Metric("DCGM_FI_DEV_ROW_REMAP_FAILURE", "gauge", "Whether remapping of rows has failed", _ => 0);
        Metric("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge", "Ratio of time the graphics engine is active.", r => r.Utilization * 0.98, isDouble: true);
        Metric("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "gauge", "Ratio of cycles the tensor (HMMA) pipe is active.", r => r.Utilization * 0.6, isDouble: true);
        Metric("DCGM_FI_PROF_DRAM_ACTIVE", "gauge", "Ratio of cycles the device memory interface is active sending or receiving data.", r => r.Utilization * 0.7, isDouble: true);
        Metric("DCGM_FI_PROF_PCIE_TX_BYTES", "gauge", "The rate of data transmitted over the PCIe bus - including both protocol headers and data payloads - in bytes per second.", r => 2.0e8 * r.Utilization);
        Metric("DCGM_FI_PROF_PCIE_RX_BYTES", "gauge", "The rate of data received over the PCIe bus - including both protocol headers and data payloads - in bytes per second.", r => 3.0e8 * r.Utilization);
        return text.ToString();
    }

    private double Used(Reading r) => Math.Round(r.MemoryFraction * node.GpuMemoryMiB);

    private static Reading Read(SimulatedGpu gpu) =>
        gpu.Holder is { } holder ? new Reading(holder.Utilization(), holder.MemoryFraction()) : new Reading(0, 0);

    /// <summary>
    /// render_metrics.go's GPU labels: gpu, UUID, pci_bus_id, device, modelName, Hostname, then the label counters
    /// (DCGM_FI_DRIVER_VERSION) and the Kubernetes attributes, each set in key order (Go templates range maps sorted).
    /// </summary>
    private string Labels(SimulatedGpu gpu)
    {
        var labels = $"gpu=\"{gpu.Index}\",UUID=\"{gpu.Uuid}\",pci_bus_id=\"{gpu.PciBusId}\",device=\"nvidia{gpu.Index}\",modelName=\"{node.GpuModel}\",Hostname=\"{node.Name}\",DCGM_FI_DRIVER_VERSION=\"{DriverVersion}\"";
        return gpu.Holder is { } h ? labels + $",container=\"{h.Container}\",namespace=\"{h.Namespace}\",pod=\"{h.Pod}\"" : labels;
    }

    private readonly record struct Reading(double Utilization, double MemoryFraction);
}
