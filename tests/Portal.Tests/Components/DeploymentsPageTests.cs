using Bunit;
using Bunit.TestDoubles;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Portal.Application.Deployments;
using Portal.Auth;
using Portal.Components.Pages;
using Portal.Domain.Deployments;
using Portal.Infrastructure.Persistence;
using Portal.TestSupport;

namespace Portal.Tests.Components;

public sealed class DeploymentsPageTests : BunitContext
{
    private readonly DbContextOptions<PortalDb> _dbOptions;
    private readonly BunitAuthorizationContext _auth;

    public DeploymentsPageTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        var path = PortalAppFactory.NewDatabasePath();
        var options = new DbContextOptionsBuilder<PortalDb>();
        options.UsePortalSqlite($"Data Source={path}");
        _dbOptions = options.Options;
        using (var db = NewDb())
        {
            db.Database.Migrate();
        }

        Services.AddDbContextFactory<PortalDb>(o => o.UsePortalSqlite($"Data Source={path}"));
        Services.AddSingleton<Portal.Application.Ports.IDeploymentStore, DeploymentStore>();
        Services.AddSingleton<DeploymentQueries>();
        Services.AddSingleton<DeploymentChanges>();
        Services.AddSingleton(TimeProvider.System);
        _auth = AddAuthorization();
    }

    private PortalDb NewDb() => new(_dbOptions);

    [Fact]
    public void Empty_list_tells_an_operator_how_to_create_the_first_deployment()
    {
        _auth.SetAuthorized("op@portal.test");
        _auth.SetPolicies(PortalPolicies.Operate);

        var page = Render<Deployments>();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("#deployments-empty")));
        Assert.Contains("No models deployed yet", page.Markup);
        Assert.NotEmpty(page.FindAll("#deployments-empty a[href='deployments/new']"));
    }

    [Fact]
    public void Empty_list_for_a_viewer_offers_no_deploy_button()
    {
        _auth.SetAuthorized("viewer@portal.test");

        var page = Render<Deployments>();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("#deployments-empty")));
        Assert.Empty(page.FindAll("a[href='deployments/new']"));
    }

    [Fact]
    public void Rows_show_ready_over_desired_replicas_and_the_state()
    {
        _auth.SetAuthorized("viewer@portal.test");
        using (var db = NewDb())
        {
            var deployment = new Deployment
            {
                ObservedState = ObservedState.Degraded,
                ReadyReplicas = 1,
                CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
                UpdatedAt = DateTimeOffset.UtcNow,
            };
            deployment.SetSpec(new DeploymentSpec
            {
                Name = "qwen-chat", Namespace = "models", Framework = "vllm", Model = "Qwen/Qwen2.5-7B-Instruct", Replicas = 2,
            });
            db.Deployments.Add(deployment);
            db.SaveChanges();
        }

        var page = Render<Deployments>();

        page.WaitForAssertion(() => Assert.Contains("qwen-chat", page.Find("#deployments-grid").TextContent));
        var row = page.Find("#deployments-grid tbody tr");
        Assert.Contains("1/2", row.TextContent);
        Assert.Contains("Qwen/Qwen2.5-7B-Instruct", row.TextContent);
        Assert.Equal("degraded", row.QuerySelector(".mud-chip")!.GetAttribute("data-state"));
        Assert.Contains("5m", row.TextContent);
    }
}
