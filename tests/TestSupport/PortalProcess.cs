using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace Portal.TestSupport;

/// <summary>
/// The built portal (src/Portal/bin/Debug/net10.0/Portal.dll) as a separate process on a free loopback port, configured
/// through environment variables, as a replica runs in a pod. Stopped with SIGTERM, or killed with SIGKILL by a test.
/// </summary>
public sealed partial class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PortalProcess(Process process)
    {
        _process = process;
    }

    public Uri BaseAddress { get; private set; } = default!;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string PortalDll => PortalDllOf("Debug");

    /// <summary>The portal built in <paramref name="configuration"/> (Debug for the tests, Release for the benchmarks).</summary>
    public static string PortalDllOf(string configuration) => Path.Combine(RepositoryRoot, "src", "Portal", "bin", configuration, "net10.0", "Portal.dll");

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Starts the portal; <paramref name="settings"/> are configuration keys (Section:Key).</summary>
    public static PortalProcess Launch(IDictionary<string, string?> settings, string configuration = "Debug")
    {
        var dll = PortalDllOf(configuration);
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build src/Portal first.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(RepositoryRoot, "src", "Portal"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { dll, "--urls", "http://127.0.0.1:0", "--environment", "Development" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var portal = new PortalProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        portal._process.OutputDataReceived += (_, e) => portal.Read(e.Data);
        portal._process.ErrorDataReceived += (_, e) => portal.Read(e.Data);
        portal._process.Exited += (_, _) => portal._listening.TrySetException(new InvalidOperationException($"the portal exited before listening:\n{portal.Output}"));
        portal._process.Start();
        portal._process.BeginOutputReadLine();
        portal._process.BeginErrorReadLine();
        return portal;
    }

    /// <summary>
    /// Starts the portal and waits until it listens and answers <paramref name="readiness"/> with 200 (/readyz; /healthz for
    /// a replica without a job server, which is ready only when some replica runs one).
    /// </summary>
    public static async Task<PortalProcess> StartAsync(
        IDictionary<string, string?> settings, CancellationToken cancellationToken = default, string configuration = "Debug", string readiness = "/readyz")
    {
        var portal = Launch(settings, configuration);
        try
        {
            await portal.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), cancellationToken, readiness);
            return portal;
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken, string readiness = "/readyz")
    {
        BaseAddress = await _listening.Task.WaitAsync(timeout, cancellationToken);
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var ready = await http.GetAsync(readiness, cancellationToken);
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline || HasExited)
            {
                throw new TimeoutException($"the portal at {BaseAddress} did not become ready:\n{Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Waits for the process to end by itself (a refused start-up) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        await _process.WaitForExitAsync(limit.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public HttpClient ApiClient(string apiKey = PortalOnSimulator.AdminApiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>SIGKILL: the process ends at once, with no shutdown of any kind.</summary>
    public void Kill()
    {
        Signals.Send(_process.Id, Signals.Kill);
        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signals.Send(_process.Id, Signals.Terminate);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups["url"].Value));
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
