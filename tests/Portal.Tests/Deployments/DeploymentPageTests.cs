using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Deployments;
using Portal.Application.Security;
using Portal.Components.Pages;
using Portal.Domain.Deployments;
using Portal.Infrastructure.Persistence;

namespace Portal.Tests.Deploying;

/// <summary>The deployment page: the problem shown prominently, pull progress, role-dependent actions, live removal.</summary>
[Collection(DeploymentUiCollection.Name)]
public sealed class DeploymentPageTests(SimulatorFixture simulator) : DeploymentUiTestContext(simulator), IClassFixture<SimulatorFixture>
{
    private const string FailedScheduling =
        "FailedScheduling: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.";

    [Fact]
    public void A_failed_scheduling_event_is_shown_prominently_with_what_to_do()
    {
        SignIn("viewer@portal.test", PortalRoles.Viewer);
        Seed("too-big", "vllm", "Qwen/Qwen2.5-72B-Instruct", d =>
        {
            d.ObservedState = ObservedState.Pending;
            d.LastEvent = FailedScheduling;
        });

        var page = RenderWithPopovers<DeploymentDetails>(p => p.Add(x => x.Name, "too-big"));

        page.WaitForAssertion(() => Assert.Contains("Insufficient nvidia.com/gpu", page.Find("#last-event").TextContent));
        Assert.Contains("FailedScheduling", page.Find("#last-event b").TextContent);
        Assert.Contains("No node has enough free GPUs", page.Find("#last-event").TextContent);
        Assert.Equal("pending", page.Find("#deployment-header .portal-state-chip").GetAttribute("data-state"));
    }

    [Fact]
    public void Once_ready_an_old_warning_is_no_longer_shown()
    {
        SignIn("viewer@portal.test", PortalRoles.Viewer);
        Seed("fine", "vllm", "Qwen/Qwen2.5-7B-Instruct", d =>
        {
            d.ObservedState = ObservedState.Ready;
            d.ReadyReplicas = 1;
            d.LastEvent = FailedScheduling;
        });

        var page = RenderWithPopovers<DeploymentDetails>(p => p.Add(x => x.Name, "fine"));

        page.WaitForAssertion(() => Assert.Contains("1 / 1 ready", page.Find("#replicas").TextContent));
        Assert.Empty(page.FindAll("#last-event"));
    }

    [Fact]
    public void Viewers_see_no_mutating_buttons_and_operators_do()
    {
        Seed("qwen-chat", "vllm", "Qwen/Qwen2.5-7B-Instruct", d => d.ObservedState = ObservedState.Ready);

        SignIn("viewer@portal.test", PortalRoles.Viewer);
        var asViewer = RenderWithPopovers<DeploymentDetails>(p => p.Add(x => x.Name, "qwen-chat"));
        asViewer.WaitForAssertion(() => Assert.NotNull(asViewer.Find("#deployment-header")));
        Assert.Empty(asViewer.FindAll("#action-scale, #action-stop, #action-start, #action-delete"));
        Assert.NotNull(asViewer.Find("#open-playground"));

        SignInAsOperator();
        var asOperator = Render<DeploymentDetails>(p => p.Add(x => x.Name, "qwen-chat"));
        asOperator.WaitForAssertion(() => Assert.Equal(3, asOperator.FindAll("#action-scale, #action-stop, #action-delete").Count));
    }

    [Fact]
    public void The_ollama_pull_shows_its_percentage_and_then_done()
    {
        SignIn("viewer@portal.test", PortalRoles.Viewer);
        var id = Seed("edge", "ollama", "qwen2.5:0.5b", d =>
        {
            d.ObservedState = ObservedState.Deploying;
            d.ReadyReplicas = 1;
            d.PullPercent = 42.5;
            d.PullCompletedBytes = 170L << 20;
            d.PullTotalBytes = 400L << 20;
        });
        var page = RenderWithPopovers<DeploymentDetails>(p => p.Add(x => x.Name, "edge"));
        page.WaitForAssertion(() => Assert.Equal("42.5 %", page.Find("#pull-percent").TextContent.Trim()));
        Assert.Contains("Pulling the model", page.Find("#pull-progress").TextContent);
        Assert.Contains("170 MiB of 400 MiB", page.Find("#pull-progress").TextContent);

        Update(id, d =>
        {
            d.PullPercent = 100;
            d.PulledModel = "qwen2.5:0.5b";
            d.PulledReplicas = 1;
            d.ObservedState = ObservedState.Ready;
        });
        Services.GetRequiredService<DeploymentChanges>().Publish(id, "edge");

        page.WaitForAssertion(() => Assert.Equal("100 %", page.Find("#pull-percent").TextContent.Trim()));
        Assert.Contains("Model pulled", page.Find("#pull-progress").TextContent);
        Assert.Equal("ready", page.Find("#deployment-header .portal-state-chip").GetAttribute("data-state"));
    }

    [Fact]
    public void A_deleted_deployment_says_so_without_a_reload()
    {
        SignIn("viewer@portal.test", PortalRoles.Viewer);
        var id = Seed("short-lived", "vllm", "Qwen/Qwen2.5-7B-Instruct", d => d.ObservedState = ObservedState.Deleting);
        var page = RenderWithPopovers<DeploymentDetails>(p => p.Add(x => x.Name, "short-lived"));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#deployment-header")));

        using (var db = Services.GetRequiredService<IDbContextFactory<PortalDb>>().CreateDbContext())
        {
            db.Deployments.Remove(db.Deployments.Single(d => d.Id == id));
            db.SaveChanges();
        }

        Services.GetRequiredService<DeploymentChanges>().Publish(id, ""); // as OperationLog publishes a removal

        page.WaitForAssertion(() => Assert.Contains("short-lived was deleted", page.Find("#deployment-missing").TextContent));
    }

    [Fact]
    public void An_unknown_name_says_there_is_no_such_deployment()
    {
        SignIn("viewer@portal.test", PortalRoles.Viewer);

        var page = RenderWithPopovers<DeploymentDetails>(p => p.Add(x => x.Name, "nope"));

        page.WaitForAssertion(() => Assert.Contains("There is no deployment named nope", page.Find("#deployment-missing").TextContent));
    }

    private Guid Seed(string name, string framework, string model, Action<Deployment> change)
    {
        using var db = Services.GetRequiredService<IDbContextFactory<PortalDb>>().CreateDbContext();
        var deployment = new Deployment { CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-2), UpdatedAt = DateTimeOffset.UtcNow, AppliedRevision = 1 };
        deployment.SetSpec(new DeploymentSpec { Name = name, Framework = framework, Model = model });
        change(deployment);
        db.Deployments.Add(deployment);
        db.SaveChanges();
        return deployment.Id;
    }

    private void Update(Guid id, Action<Deployment> change)
    {
        using var db = Services.GetRequiredService<IDbContextFactory<PortalDb>>().CreateDbContext();
        var deployment = db.Deployments.Single(d => d.Id == id);
        change(deployment);
        db.SaveChanges();
    }
}
