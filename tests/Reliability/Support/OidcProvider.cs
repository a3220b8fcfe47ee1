using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Portal.TestSupport;

namespace Portal.Reliability.Support;

/// <summary>
/// npm's oidc-provider (a certified OpenID provider) run with Node on a loopback port: tests/Reliability/oidc/provider.mjs,
/// installed by <c>npm ci</c> in that folder (tests/run.sh does it). Any login name signs in; its groups are configured here.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "portal";
    public const string ClientSecret = "portal-test-secret";

    private readonly StringBuilder _output = new();
    private Process? _process;

    private OidcProvider(int port)
    {
        Port = port;
        Issuer = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

    public Uri Issuer { get; }

    public static string Folder => Path.Combine(PortalProcess.RepositoryRoot, "tests", "Reliability", "oidc");

    /// <summary>Picks the provider's port, so the portal can be configured with <see cref="Issuer"/> before either starts.</summary>
    public static OidcProvider Prepare()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new OidcProvider(((IPEndPoint)listener.LocalEndpoint).Port);
    }

    public async Task StartAsync(Uri redirectUri, IReadOnlyDictionary<string, string> groupsByLogin, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Path.Combine(Folder, "node_modules", "oidc-provider")))
        {
            throw new InvalidOperationException($"oidc-provider is not installed: run 'npm ci' in {Folder} (tests/run.sh does).");
        }

        var start = new ProcessStartInfo("node", "provider.mjs") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["REDIRECT_URI"] = redirectUri.ToString();
        start.Environment["CLIENT_ID"] = ClientId;
        start.Environment["CLIENT_SECRET"] = ClientSecret;
        foreach (var (login, groups) in groupsByLogin)
        {
            start.Environment[$"GROUPS_{login}"] = groups;
        }

        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }

            if (line.StartsWith("listening ", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }

        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"oidc-provider did not start listening:\n{Output}");
        }
    }

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

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}
