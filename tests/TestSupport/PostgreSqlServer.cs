using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace Portal.TestSupport;

/// <summary>
/// A real PostgreSQL (Debian's postgresql package) for the tests: a throwaway cluster made with initdb in a temp folder,
/// started with pg_ctl on a free loopback port (as the postgres user when the tests run as root, since initdb refuses
/// root), stopped by its PID and deleted at the end. Each test asks for its own database.
/// </summary>
public sealed class PostgreSqlServer : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portal-pg-").FullName;
    private int _databases;

    public int Port { get; private set; }

    public string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>The server's own database, for creating others.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=30";

    /// <summary>The folder holding initdb and pg_ctl of the newest installed major version.</summary>
    public static string? BinDirectory { get; } = Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
            .FirstOrDefault()
        : null;

    public async ValueTask InitializeAsync()
    {
        if (BinDirectory is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); tests/run.sh installs Debian's postgresql package.");
        }

        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _directory]);
        }

        await RunAsPostgresAsync(asRoot, Path.Combine(BinDirectory, "initdb"), ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            try
            {
                await RunAsPostgresAsync(asRoot, Path.Combine(BinDirectory, "pg_ctl"),
                    ["-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(_directory, "server.log"),
                     "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
                     "start"]);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // The free port was taken meanwhile; try another.
            }
        }
    }

    /// <summary>A new empty database on this server; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= $"portal_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..40];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionString(name);
    }

    /// <summary>Runs one SQL statement on <paramref name="connectionString"/> and returns the first column of the first row.</summary>
    public static async Task<object?> ScalarAsync(string connectionString, string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse((await File.ReadAllLinesAsync(pidFile)).FirstOrDefault(), out var pid))
        {
            try
            {
                using var postmaster = Process.GetProcessById(pid);
                Signals.Send(pid, Signals.Interrupt); // "fast" shutdown: disconnect clients, stop
                if (!postmaster.WaitForExit(TimeSpan.FromSeconds(20)))
                {
                    postmaster.Kill();
                    postmaster.WaitForExit(TimeSpan.FromSeconds(5));
                }
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static Task RunAsPostgresAsync(bool asRoot, string program, string[] arguments) =>
        asRoot ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments]) : RunAsync(program, arguments);

    private static async Task RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
