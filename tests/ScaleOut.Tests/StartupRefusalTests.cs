using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Portal.TestSupport;
using Portal.Simulator;

namespace Portal.ScaleOut.Tests;

/// <summary>Configurations that cannot work stop the portal at start-up with a message naming the key to fix; nothing is half done.</summary>
[Collection(ReplicaCollection.Name)]
public sealed class StartupRefusalTests(PostgreSqlServer postgres)
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unreachable_PostgreSQL_is_named_with_host_port_and_the_key_to_fix()
    {
        var port = ClosedPort();
        var output = await RefusedAsync(new()
        {
            ["Database:Provider"] = "PostgreSql",
            ["ConnectionStrings:Portal"] = $"Host=127.0.0.1;Port={port};Database=portal;Username=portal;Timeout=3",
        });

        Assert.Contains($"PostgreSQL at 127.0.0.1:{port}, database 'portal'", output, StringComparison.Ordinal);
        Assert.Contains("cannot connect (ConnectionRefused", output, StringComparison.Ordinal);
        Assert.Contains("Check ConnectionStrings:Portal", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_named_and_nothing_is_created()
    {
        var output = await RefusedAsync(new()
        {
            ["Database:Provider"] = "PostgreSql",
            ["ConnectionStrings:Portal"] = postgres.ConnectionString("no_such_portal_db"),
        });

        Assert.Contains($"PostgreSQL at 127.0.0.1:{postgres.Port}, database 'no_such_portal_db'", output, StringComparison.Ordinal);
        Assert.Contains("does not exist", output, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Portal", output, StringComparison.Ordinal);
        Assert.Equal(0L, await PostgreSqlServer.ScalarAsync(postgres.AdminConnectionString, "SELECT count(*) FROM pg_database WHERE datname = 'no_such_portal_db'", Ct));
    }

    [Fact]
    public async Task A_migration_that_fails_half_way_leaves_nothing_behind()
    {
        // A table in the way of the first migration's later steps.
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken: Ct);
        await PostgreSqlServer.ScalarAsync(connectionString, """CREATE TABLE "Operations" (squatter integer)""", Ct);

        var output = await RefusedAsync(new() { ["Database:Provider"] = "PostgreSql", ["ConnectionStrings:Portal"] = connectionString });

        Assert.Contains("relation \"Operations\" already exists", output, StringComparison.Ordinal);
        Assert.Contains("Check ConnectionStrings:Portal", output, StringComparison.Ordinal);
        var tables = await PostgreSqlServer.ScalarAsync(connectionString,
            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'", Ct);
        Assert.Equal("Operations,__EFMigrationsHistory", tables); // the squatter, and EF's empty history
        Assert.Equal(0L, await PostgreSqlServer.ScalarAsync(connectionString, """SELECT count(*) FROM "__EFMigrationsHistory" """, Ct));
    }

    [Fact]
    public async Task An_unknown_database_provider_is_refused_by_name()
    {
        var output = await RefusedAsync(new() { ["Database:Provider"] = "Oracle" });

        Assert.Contains("Database:Provider 'Oracle' is not known; use Sqlite", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sqlite", "InMemory", "Database:Provider is Sqlite")]
    [InlineData("PostgreSql", "InMemory", "Hangfire:Storage is InMemory")]
    public async Task Several_replicas_on_storage_that_one_process_owns_are_refused_with_the_reason(string provider, string storage, string expected)
    {
        var output = await RefusedAsync(new()
        {
            ["Portal:ExpectReplicas"] = "2",
            ["Database:Provider"] = provider,
            ["Hangfire:Storage"] = storage,
            ["ConnectionStrings:Portal"] = provider == "Sqlite" ? $"Data Source={PortalAppFactory.NewDatabasePath()}" : postgres.ConnectionString("postgres"),
        });

        Assert.Contains($"Portal:ExpectReplicas is 2 but {expected}", output, StringComparison.Ordinal);
        Assert.Contains("two replicas", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_reports_the_database_check_failed_while_PostgreSQL_refuses_the_portal_and_recovers_after()
    {
        await using var cluster = await SimulatedCluster.StartAsync(PortalOnSimulator.FastSimulator, Ct);
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken: Ct);
        var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!;
        var settings = PortalReplicas.Settings(connectionString, cluster);
        settings["Portal:ExpectReplicas"] = "1";
        await using var portal = await PortalProcess.StartAsync(settings, Ct);
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };

        await PostgreSqlServer.ScalarAsync(postgres.AdminConnectionString,
            $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false; SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{database}'", Ct);
        try
        {
            var report = await PollReadyzAsync(http, HttpStatusCode.ServiceUnavailable);
            var check = report["checks"]!["database"]!;
            Assert.Equal("Unhealthy", (string?)check["status"]);
            Assert.Contains($"PostgreSQL at 127.0.0.1:{postgres.Port}, database '{database}'", (string?)check["description"], StringComparison.Ordinal);
            Assert.Contains("ConnectionStrings:Portal", (string?)check["description"], StringComparison.Ordinal);
        }
        finally
        {
            await PostgreSqlServer.ScalarAsync(postgres.AdminConnectionString, $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true", Ct);
        }

        await PollReadyzAsync(http, HttpStatusCode.OK);
    }

    private static async Task<JsonNode> PollReadyzAsync(HttpClient http, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await http.GetAsync("/readyz", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode == wanted)
            {
                return JsonNode.Parse(body)!;
            }

            Assert.True(DateTime.UtcNow < deadline, $"/readyz stayed {(int)response.StatusCode}: {body}");
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>Starts a portal that must refuse to start; returns what it printed.</summary>
    private static async Task<string> RefusedAsync(Dictionary<string, string?> settings)
    {
        settings.TryAdd("ConnectionStrings:Portal", $"Data Source={PortalAppFactory.NewDatabasePath()}");
        settings["Kubernetes:Kubeconfig"] = "/nonexistent/kubeconfig";
        await using var portal = PortalProcess.Launch(settings);
        var exit = await portal.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.True(exit != 0, $"the portal started:\n{portal.Output}");
        Assert.Contains("The portal did not start:", portal.Output, StringComparison.Ordinal);
        return portal.Output;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port; // closed again when disposed
    }
}
