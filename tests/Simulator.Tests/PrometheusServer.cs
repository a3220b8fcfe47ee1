using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Portal.Simulator.Tests;

/// <summary>A real Prometheus (Debian's /usr/bin/prometheus) on a free port with a throwaway data folder, stopped by its PID.</summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http = new();

    private PrometheusServer(Process process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>Starts Prometheus with the repository's deploy/local/prometheus.yml, pointed at <paramref name="fileSdPath"/> and scraping every second.</summary>
    public static async Task<PrometheusServer> StartAsync(string fileSdPath, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("prometheus-").FullName;
        var shipped = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "deploy", "local", "prometheus.yml"), ct);
        var config = shipped
            .Replace("../../.local/simulator-targets.json", fileSdPath, StringComparison.Ordinal)
            .Replace("scrape_interval: 5s", "scrape_interval: 1s", StringComparison.Ordinal);
        Assert.Contains(fileSdPath, config);
        var configPath = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config, ct);
        var port = FreePort();
        var start = new ProcessStartInfo("/usr/bin/prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { $"--config.file={configPath}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address=127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}"));
        await TestCluster.EventuallyAsync(server.ReadyAsync, ready => ready, "Prometheus to be ready");
        return server;
    }

    /// <summary>Runs an instant query and returns its result vector.</summary>
    public async Task<JsonArray> QueryAsync(string promql)
    {
        var json = await _http.GetStringAsync(new Uri(Url, $"/api/v1/query?query={Uri.EscapeDataString(promql)}"), Xunit.TestContext.Current.CancellationToken);
        return JsonNode.Parse(json)!["data"]!["result"]!.AsArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<bool> ReadyAsync()
    {
        try
        {
            return (await _http.GetAsync(new Uri(Url, "/-/ready"), Xunit.TestContext.Current.CancellationToken)).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portal.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Portal.sln not found above the test binaries");
    }
}
