using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Portal.TestSupport;

/// <summary>
/// A real Prometheus (Debian's /usr/bin/prometheus) on a free port with a throwaway data folder, stopped by its PID.
/// Its configuration is the repository's deploy/local/prometheus.yml with the simulator's file-SD path, the
/// portal's address in the <c>portal</c> job, and 1 s scrape and evaluation intervals (the first sample still
/// appears some 6 s after start: discovery updates are throttled to 5 s).
/// The port is chosen by <see cref="Prepare"/>, so a portal can be configured with <see cref="Url"/> before
/// Prometheus starts (Prometheus in turn needs the portal's address to scrape it).
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string ShippedPortalTarget = "127.0.0.1:5080";
    public const string BasicAuthUser = "dashboard";
    public const string BasicAuthPassword = "prom-test-pass";

    // bcrypt of BasicAuthPassword (cost 4), for --web.config.file.
    private const string BasicAuthHash = "$2b$04$qEW1SEwHspda9qLYTI69.u2OlYPgA53gTrrnK5YT/EEaTBMUCfX1m";

    private readonly string _directory;
    private readonly string _fileSdPath;
    private readonly bool _basicAuth;
    private readonly HttpClient _http;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private PrometheusServer(string fileSdPath, bool basicAuth)
    {
        _fileSdPath = fileSdPath;
        _basicAuth = basicAuth;
        _directory = Directory.CreateTempSubdirectory("prometheus-").FullName;
        Port = FreePort();
        Url = new Uri($"http://127.0.0.1:{Port}/");
        _http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
        if (basicAuth)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{BasicAuthUser}:{BasicAuthPassword}")));
        }
    }

    public int Port { get; }

    /// <summary>Where Prometheus listens (known before it starts).</summary>
    public Uri Url { get; }

    /// <summary>The configuration file Prometheus runs with (after <see cref="StartAsync"/>).</summary>
    public string ConfigPath => Path.Combine(_directory, "prometheus.yml");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Picks a port and a data folder for a Prometheus that scrapes the targets listed in <paramref name="fileSdPath"/>.</summary>
    /// <param name="basicAuth">Require <see cref="BasicAuthUser"/>/<see cref="BasicAuthPassword"/> on every request.</param>
    public static PrometheusServer Prepare(string fileSdPath, bool basicAuth = false) => new(fileSdPath, basicAuth);

    /// <summary>Prepares and starts in one go.</summary>
    public static async Task<PrometheusServer> StartAsync(string fileSdPath, Uri? portal = null, CancellationToken cancellationToken = default)
    {
        var server = Prepare(fileSdPath);
        await server.StartAsync(portal, cancellationToken);
        return server;
    }

    /// <summary>Starts Prometheus (scraping the portal at <paramref name="portal"/> too, when given) and waits until /-/ready answers.</summary>
    public async Task StartAsync(Uri? portal = null, CancellationToken cancellationToken = default)
    {
        await File.WriteAllTextAsync(ConfigPath, await ConfigurationAsync(_fileSdPath, portal, cancellationToken), cancellationToken);
        var start = new ProcessStartInfo("/usr/bin/prometheus") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add($"--config.file={ConfigPath}");
        start.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(_directory, "data")}");
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{Port}");
        if (_basicAuth)
        {
            var webConfig = Path.Combine(_directory, "web.yml");
            await File.WriteAllTextAsync(webConfig, $"basic_auth_users:\n  {BasicAuthUser}: '{BasicAuthHash}'\n", cancellationToken);
            start.ArgumentList.Add($"--web.config.file={webConfig}");
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await ReadyAsync(cancellationToken))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Prometheus did not become ready on {Url}:\n{Log}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Kills the process (by its PID) and waits for it to exit; the data folder stays until disposal.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>What Prometheus printed, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Runs an instant query (now, or at <paramref name="at"/>) with a plain HttpClient and returns the result array (for fixtures and waits).</summary>
    public async Task<JsonArray> QueryAsync(string promql, CancellationToken cancellationToken = default, DateTimeOffset? at = null)
    {
        var form = new List<KeyValuePair<string, string>> { new("query", promql) };
        if (at is { } time)
        {
            form.Add(new("time", (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)));
        }

        using var response = await _http.PostAsync("api/v1/query", new FormUrlEncodedContent(form), cancellationToken);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        return json["data"]?["result"]?.AsArray() ?? throw new InvalidOperationException($"query failed: {json}");
    }

    /// <summary>
    /// Polls <paramref name="promql"/> until it returns at least <paramref name="atLeast"/> series, evaluated
    /// <paramref name="ago"/> before now when given (so the data is old enough for range queries on a coarser step).
    /// </summary>
    public async Task<JsonArray> WaitForSeriesAsync(string promql, int atLeast = 1, TimeSpan? timeout = null, CancellationToken cancellationToken = default, TimeSpan? ago = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var result = await QueryAsync(promql, cancellationToken, ago is { } lag ? DateTimeOffset.UtcNow - lag : null);
            if (result.Count >= atLeast)
            {
                return result;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Prometheus had {result.Count} series for {promql}, wanted {atLeast}; targets: {await TargetsSummaryAsync(cancellationToken)}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still being closed by the exiting process: the temp folder is cleaned by the OS later.
        }
    }

    /// <summary>deploy/local/prometheus.yml made runnable here: the SD file path, 1 s intervals, the portal's address.</summary>
    public static async Task<string> ConfigurationAsync(string fileSdPath, Uri? portal, CancellationToken cancellationToken)
    {
        var shipped = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "deploy", "local", "prometheus.yml"), cancellationToken);
        var config = shipped
            .Replace("../../.local/simulator-targets.json", fileSdPath, StringComparison.Ordinal)
            .Replace("scrape_interval: 5s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("evaluation_interval: 5s", "evaluation_interval: 1s", StringComparison.Ordinal);
        if (!config.Contains(fileSdPath, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("deploy/local/prometheus.yml no longer names ../../.local/simulator-targets.json");
        }

        if (portal is not null)
        {
            if (!config.Contains(ShippedPortalTarget, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"deploy/local/prometheus.yml has no portal job scraping {ShippedPortalTarget}");
            }

            config = config.Replace(ShippedPortalTarget, $"{portal.Host}:{portal.Port}", StringComparison.Ordinal);
        }

        return config;
    }

    private async Task<string> TargetsSummaryAsync(CancellationToken cancellationToken)
    {
        try
        {
            var json = JsonNode.Parse(await _http.GetStringAsync("api/v1/targets", cancellationToken))!;
            return string.Join("; ", json["data"]!["activeTargets"]!.AsArray()
                .Select(t => $"{t!["scrapeUrl"]} {t["health"]} {t["lastError"]}"));
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
    }

    private async Task<bool> ReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync("-/ready", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            if (_log.Length < 64_000)
            {
                _log.AppendLine(line);
            }
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
