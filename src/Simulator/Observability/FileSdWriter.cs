using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Simulator.Controllers;
using Portal.Simulator.Kubelets;
using Portal.Simulator.Engines;
using Portal.Simulator.Gpu;

namespace Portal.Simulator.Observability;

/// <summary>
/// Keeps a Prometheus <c>file_sd_configs</c> file listing every engine pod that serves /metrics and every
/// GPU exporter. Prometheus notices the file change by itself; the file is replaced atomically.
/// </summary>
internal sealed class FileSdWriter(string path, Kubelet kubelet, IReadOnlyList<DcgmExporter> exporters, TimeProvider time) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private string _written = "";
    private Task _loop = Task.CompletedTask;

    public string Path => path;

    public void Start()
    {
        Write();
        _loop = RunAsync(_stopping.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    /// <summary>Writes the current targets if they changed.</summary>
    public void Write()
    {
        var groups = new JsonArray();
        foreach (var exporter in exporters)
        {
            groups.Add(new JsonObject
            {
                ["targets"] = new JsonArray($"{exporter.Endpoint}"),
                ["labels"] = new JsonObject { ["component"] = "dcgm-exporter", ["node"] = exporter.Node.Name },
            });
        }

        foreach (var pod in kubelet.RunningPods.OrderBy(p => p.Namespace).ThenBy(p => p.Name))
        {
            foreach (var engine in pod.Engines.Where(e => e.ServesMetrics && !e.Launch.ListensOnLoopbackOnly))
            {
                groups.Add(new JsonObject
                {
                    ["targets"] = new JsonArray($"{pod.Address}:{engine.Launch.Port}"),
                    ["labels"] = new JsonObject
                    {
                        ["component"] = "engine",
                        ["namespace"] = pod.Namespace,
                        ["pod"] = pod.Name,
                        ["deployment"] = pod.Owner ?? pod.Name,
                        ["framework"] = engine.Launch.Framework switch
                        {
                            Framework.Vllm => "vllm",
                            Framework.Sglang => "sglang",
                            Framework.Ollama => "ollama",
                            _ => "other",
                        },
                    },
                });
            }
        }

        var json = groups.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (json == _written)
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, json);
        File.Move(temp, path, overwrite: true);
        _written = json;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), time);
        while (await timer.WaitForNextTickAsync(ct))
        {
            Write();
        }
    }
}
