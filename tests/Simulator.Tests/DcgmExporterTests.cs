using System.Text.RegularExpressions;

namespace Portal.Simulator.Tests;

public sealed partial class DcgmExporterTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    /// <summary>dcgm-exporter 4.5.3-4.8.2 etc/default-counters.csv, the non-label rows in file order.</summary>
    private static readonly string[] DefaultCounters =
    [
        "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_MEM_CLOCK", "DCGM_FI_DEV_MEMORY_TEMP", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_USAGE",
        "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_MEM_COPY_UTIL",
        "DCGM_FI_DEV_ENC_UTIL", "DCGM_FI_DEV_DEC_UTIL", "DCGM_FI_DEV_XID_ERRORS", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_USED",
        "DCGM_FI_DEV_FB_RESERVED", "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "DCGM_FI_DEV_VGPU_LICENSE_STATUS",
        "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "DCGM_FI_DEV_ROW_REMAP_FAILURE",
        "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "DCGM_FI_PROF_DRAM_ACTIVE", "DCGM_FI_PROF_PCIE_TX_BYTES",
        "DCGM_FI_PROF_PCIE_RX_BYTES",
    ];

    [Fact]
    public async Task Exports_the_default_counters_in_csv_order_with_their_help_and_type()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var http = new HttpClient();

        var text = await http.GetStringAsync(cluster.GpuExporterUrls[0], Ct);

        Assert.Equal(DefaultCounters, TypeLine().Matches(text).Select(m => m.Groups["name"].Value));
        Assert.Contains("# HELP DCGM_FI_DEV_FB_RESERVED Framebuffer memory reserved (in MiB).\n# TYPE DCGM_FI_DEV_FB_RESERVED gauge\n", text);
        Assert.Contains("# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\n", text);
        Assert.DoesNotContain("DCGM_FI_DRIVER_VERSION{", text);
        Assert.Equal(8, PrometheusText.Parse(text).Count(s => s.Name == "DCGM_FI_DEV_GPU_UTIL"));
    }

    [Fact]
    public async Task Labels_follow_the_exporters_template_and_values_its_formats()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var http = new HttpClient();

        var text = await http.GetStringAsync(cluster.GpuExporterUrls[0], Ct);
        var line = text.Split('\n').First(l => l.StartsWith("DCGM_FI_DEV_POWER_USAGE{", StringComparison.Ordinal));
        var labels = LabelName().Matches(line).Select(m => m.Groups[1].Value);

        Assert.Equal(["gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname", "DCGM_FI_DRIVER_VERSION"], labels);
        Assert.Matches(@"\} \d+\.\d{6}$", line);
        Assert.Matches(@"\} \d+$", text.Split('\n').First(l => l.StartsWith("DCGM_FI_DEV_GPU_UTIL{", StringComparison.Ordinal)));
        Assert.Contains("modelName=\"NVIDIA H100 80GB HBM3\"", line);
    }

    [Fact]
    public async Task A_GPU_held_by_a_pod_carries_its_container_namespace_and_pod_after_the_driver_version()
    {
        await using var cluster = await TestCluster.StartAsync();
        await EnginePods.VllmAsync(cluster, "held", EnginePods.VllmCurrent);
        using var http = new HttpClient();

        var lines = new List<string>();
        foreach (var url in cluster.GpuExporterUrls)
        {
            lines.AddRange((await http.GetStringAsync(url, Ct)).Split('\n').Where(l => l.StartsWith("DCGM_FI_DEV_FB_USED{", StringComparison.Ordinal)));
        }

        var held = Assert.Single(lines, l => l.Contains("pod=", StringComparison.Ordinal));
        Assert.Equal(["gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname", "DCGM_FI_DRIVER_VERSION", "container", "namespace", "pod"],
            LabelName().Matches(held).Select(m => m.Groups[1].Value));
        Assert.Contains("container=\"engine\",namespace=\"default\",pod=\"held-0\"", held);
    }

    [GeneratedRegex(@"^# TYPE (?<name>\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex("([A-Za-z_]+)=\"")]
    private static partial Regex LabelName();
}
