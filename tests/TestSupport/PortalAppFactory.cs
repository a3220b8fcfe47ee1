using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.TestSupport;

/// <summary>
/// The real portal (Program) on a free loopback port with its own SQLite file, so a browser
/// or an HTTP client talks to it exactly as a user would.
/// </summary>
public sealed class PortalAppFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@portal.test";
    public const string AdminPassword = "Admin-pass-1";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IWebHostBuilder>? _configure;

    /// <param name="configure">Extra host configuration, e.g. a logging provider that captures what the portal logs.</param>
    public PortalAppFactory(string databasePath, bool withBootstrapAdmin = true, IDictionary<string, string?>? settings = null, Action<IWebHostBuilder>? configure = null)
    {
        _configure = configure;
        DatabasePath = databasePath;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Portal"] = $"Data Source={databasePath}",
            ["Hangfire:WorkerCount"] = "2",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        };
        if (withBootstrapAdmin)
        {
            _settings["Auth:BootstrapAdmin:Email"] = AdminEmail;
            _settings["Auth:BootstrapAdmin:Password"] = AdminPassword;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(0);
    }

    public string DatabasePath { get; }

    /// <summary>The address Kestrel bound, like http://127.0.0.1:40123 (available after <see cref="Start"/>).</summary>
    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>A fresh temporary database path under the test's own folder.</summary>
    public static string NewDatabasePath() =>
        Path.Combine(Directory.CreateTempSubdirectory("portal-test-").FullName, "portal.db");

    public PortalAppFactory Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        BaseAddress = new Uri(addresses.Addresses.First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1"));
        return this;
    }

    /// <summary>Stops the portal; a background service that ends by cancellation while stopping is the normal end, not a failure.</summary>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        _configure?.Invoke(builder);
    }
}
