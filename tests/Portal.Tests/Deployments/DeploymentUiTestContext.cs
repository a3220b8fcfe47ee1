using Bunit;
using Bunit.TestDoubles;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using MudBlazor.Services;
using Portal.Core.Data;
using Portal.Extensions;
using Portal.Jobs;
using Portal.Simulator;
using Portal.TestSupport;

namespace Portal.Tests.Deploying;

/// <summary>A simulated GPU cluster (2 nodes × 8 H100) shared by the tests of one class.</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    public SimulatedCluster Cluster { get; private set; } = default!;

    public async ValueTask InitializeAsync() =>
        Cluster = await SimulatedCluster.StartAsync(PortalOnSimulator.FastSimulator, Xunit.TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>The deployment UI tests share Hangfire's static log provider: they run after the parallel tests, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeploymentUiCollection
{
    public const string Name = "Deployment UI";
}

/// <summary>
/// bUnit with the portal's real services behind the wizard and deployment pages: SQLite, the deployment
/// commands (jobs go to in-memory Hangfire storage, no server runs them), and the simulated cluster.
/// </summary>
public abstract class DeploymentUiTestContext : BunitContext
{
    protected DeploymentUiTestContext(SimulatorFixture simulator)
    {
        Simulator = simulator.Cluster;
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();

        var databasePath = PortalAppFactory.NewDatabasePath();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = Simulator.KubeconfigPath,
            ["Kubernetes:Namespaces:0"] = "default",
            ["Kubernetes:Namespaces:1"] = "models",
            ["Kubernetes:CreateNamespaces"] = "true",
        }).Build();
        Services.AddLogging();
        Services.AddDbContextFactory<PortalDb>(o => o.UsePortalSqlite($"Data Source={databasePath}"));
        Services.AddSingleton<DeploymentQueries>();
        // Jobs are stored, not run. Hangfire logs through a static provider that every portal started by another
        // test class points at its own LoggerFactory, disposed with it: these classes run alone (see the collection)
        // and point it at a factory that is never disposed.
        GlobalConfiguration.Configuration.UseLogProvider(new Hangfire.AspNetCore.AspNetCoreLogProvider(NullLoggerFactory.Instance));
        Services.AddSingleton<IBackgroundJobClient>(
            new BackgroundJobClient(new InMemoryStorage(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Guid })));
        Services.AddPortalJobs(configuration);
        Services.AddDeploymentUi();
        Auth = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var options = new DbContextOptionsBuilder<PortalDb>();
        options.UsePortalSqlite($"Data Source={databasePath}");
        using var db = new PortalDb(options.Options);
        db.Database.Migrate();
    }

    protected SimulatedCluster Simulator { get; }

    protected BunitAuthorizationContext Auth { get; }

    protected static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    protected void SignInAsOperator()
    {
        Auth.SetAuthorized("operator@portal.test");
        Auth.SetRoles(PortalRoles.Operator);
        Auth.SetPolicies(Portal.Auth.PortalPolicies.Operate);
    }

    /// <summary>A signed-in user with one role, as the services receive it from the circuit.</summary>
    protected static System.Security.Claims.ClaimsPrincipal UserWithRole(string email, string role) =>
        new(new System.Security.Claims.ClaimsIdentity(
            [new(System.Security.Claims.ClaimTypes.Name, email), new(System.Security.Claims.ClaimTypes.Role, role)], "test"));

    /// <summary>Renders the popover provider MudSelect needs, then the component.</summary>
    protected IRenderedComponent<T> RenderWithPopovers<T>(Action<ComponentParameterCollectionBuilder<T>>? parameters = null)
        where T : IComponent
    {
        Render<MudPopoverProvider>();
        return Render(parameters);
    }
}
