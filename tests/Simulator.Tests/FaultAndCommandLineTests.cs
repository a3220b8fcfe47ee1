using System.Diagnostics;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Simulator.Tests;

public sealed class FaultAndCommandLineTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fault_switches_give_500s_conflicts_and_latency_until_cleared()
    {
        await using var cluster = await TestCluster.StartAsync();
        var client = cluster.Client();
        await client.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "default", cancellationToken: Ct);

        cluster.Faults.ErrorRate = 1;
        var internalError = await Assert.ThrowsAsync<HttpOperationException>(() => client.ListNamespacedConfigMapAsync("default", cancellationToken: Ct));
        cluster.Faults.ErrorRate = 0;
        cluster.Faults.ConflictNext(1);
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => client.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"1"}}""", V1Patch.PatchType.MergePatch), "c", "default", cancellationToken: Ct));
        var retried = await client.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"1"}}""", V1Patch.PatchType.MergePatch), "c", "default", cancellationToken: Ct);
        cluster.Faults.AddedLatency = TimeSpan.FromMilliseconds(300);
        var watch = Stopwatch.StartNew();
        await client.ReadNamespacedConfigMapAsync("c", "default", cancellationToken: Ct);
        var slow = watch.Elapsed;
        cluster.Faults.Clear();

        Assert.Equal(HttpStatusCode.InternalServerError, internalError.Response.StatusCode);
        Assert.Equal("InternalError", KubernetesJson.Deserialize<V1Status>(internalError.Response.Content).Reason);
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Equal("1", retried.Data["a"]);
        Assert.True(slow >= TimeSpan.FromMilliseconds(290), $"took {slow}"); // timers may fire a millisecond or two early
        Assert.Equal(1, cluster.ApiCalls["list", "configmaps"]);
        Assert.Equal(2, cluster.ApiCalls["patch", "configmaps"]);
    }

    [Fact]
    public async Task Two_simulators_run_side_by_side_on_their_own_addresses()
    {
        await using var first = await TestCluster.StartAsync();
        await using var second = await TestCluster.StartAsync();

        Assert.NotEqual(first.ApiServerUrl, second.ApiServerUrl);
        Assert.NotEqual(first.GpuExporterUrls[0].Host, second.GpuExporterUrls[0].Host);
        using var http = new HttpClient();
        Assert.Contains("DCGM_FI_DEV_GPU_UTIL", await http.GetStringAsync(second.GpuExporterUrls[0], Ct));
    }

    [Fact]
    public async Task Command_line_writes_a_kubeconfig_serves_the_API_and_stops_on_interrupt()
    {
        var directory = Directory.CreateTempSubdirectory("sim-cli-").FullName;
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        var targets = Path.Combine(directory, "targets.json");
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "Portal.Simulator"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--listen", "127.0.0.1:0", "--kubeconfig", kubeconfig, "--prometheus-sd", targets, "--nodes", "3", "--gpus-per-node", "4", "--gpu-model", "NVIDIA A100-SXM4-80GB" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            var output = new List<string>();
            while (await process.StandardOutput.ReadLineAsync(Ct) is { } line && !line.StartsWith("ready", StringComparison.Ordinal))
            {
                output.Add(line);
            }

            Assert.Contains(output, l => l.Contains(kubeconfig, StringComparison.Ordinal));
            var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            var nodes = await client.ListNodeAsync(cancellationToken: Ct);
            Assert.Equal(3, nodes.Items.Count);
            Assert.All(nodes.Items, n => Assert.Equal("4", n.Status.Capacity["nvidia.com/gpu"].ToString()));
            Assert.Equal("NVIDIA-A100-SXM4-80GB", nodes.Items[0].Metadata.Labels["nvidia.com/gpu.product"]);
            Assert.True(File.Exists(targets));

            Assert.Equal(0, Interrupt(process.Id));
            await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static int Interrupt(int pid) => SendSignal(pid, 2);
}
