using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Portal.Application;
using Portal.Application.Ports;
using Portal.Application.Security;
using Portal.Auth;
using Portal.Extensions;
using Portal.Infrastructure.Kubernetes;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Prometheus;
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
            ["ConnectionStrings:Portal"] = $"Data Source={databasePath}",
        }).Build();
        Services.AddLogging();
        Services.AddMetrics();
        // The layers as the portal composes them; no host runs, so jobs are stored in Hangfire's in-memory storage, not run.
        Services.AddPortalApplication(configuration);
        Services.AddPortalPersistence(configuration);
        Services.AddPortalKubernetes(configuration);
        Services.AddPortalJobs(configuration);
        Services.AddPrometheusClient(configuration); // not configured: the autoscaling charts say so
        Services.AddSingleton(User);
        Services.AddSingleton<ICurrentUser>(User);
        Services.AddDeploymentUi();
        Auth = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var options = new DbContextOptionsBuilder<PortalDb>();
        options.UsePortalSqlite($"Data Source={databasePath}");
        using var db = new PortalDb(options.Options);
        db.Database.Migrate();
    }

    protected SimulatedCluster Simulator { get; }

    /// <summary>Who the commands see as the caller; <see cref="SignIn"/> sets it together with bUnit's authorization state.</summary>
    protected CurrentUser User { get; } = new();

    protected BunitAuthorizationContext Auth { get; }

    protected static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    protected void SignInAsOperator() => SignIn("operator@portal.test", PortalRoles.Operator);

    /// <summary>Signs a user with one role in, for the rendered components and for the commands alike.</summary>
    protected void SignIn(string email, string role)
    {
        Auth.SetAuthorized(email);
        Auth.SetRoles(role);
        if (role is PortalRoles.Operator or PortalRoles.Admin)
        {
            Auth.SetPolicies(Portal.Auth.PortalPolicies.Operate);
        }

        User.Principal = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new(System.Security.Claims.ClaimTypes.Name, email), new(System.Security.Claims.ClaimTypes.Role, role)], "test"));
    }

    /// <summary>Renders the popover provider MudSelect needs, then the component.</summary>
    protected IRenderedComponent<T> RenderWithPopovers<T>(Action<ComponentParameterCollectionBuilder<T>>? parameters = null)
        where T : IComponent
    {
        Render<MudPopoverProvider>();
        return Render(parameters);
    }
}
