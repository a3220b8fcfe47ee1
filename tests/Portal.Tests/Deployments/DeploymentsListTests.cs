using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Deployments;
using Portal.Application.Security;
using Portal.Components.Pages;
using Portal.Domain.Deployments;
using Portal.Infrastructure.Persistence;
using Portal.Services.Deployments;

namespace Portal.Tests.Deploying;

/// <summary>The deployments list: filters, search, live states, and row actions only for Operators.</summary>
[Collection(DeploymentUiCollection.Name)]
public sealed class DeploymentsListTests(SimulatorFixture simulator) : DeploymentUiTestContext(simulator), IClassFixture<SimulatorFixture>
{
    [Fact]
    public void Search_and_filters_narrow_the_rows_and_say_how_many_remain()
    {
        SignIn("viewer@portal.test", PortalRoles.Viewer);
        Seed(("qwen-chat", "models", "vllm", "Qwen/Qwen2.5-7B-Instruct", ObservedState.Ready),
             ("llama-agent", "models", "sglang", "meta-llama/Llama-3.1-8B-Instruct", ObservedState.Pending),
             ("edge-qwen", "default", "ollama", "qwen2.5:0.5b", ObservedState.Ready));
        var page = RenderWithPopovers<Deployments>();
        page.WaitForAssertion(() => Assert.Equal(3, Rows(page).Count));

        page.Find("#deployments-search").Input("qwen");
        page.WaitForAssertion(() => Assert.Equal(["edge-qwen", "qwen-chat"], Rows(page).Order()));
        Assert.Equal("2 of 3", page.Find("#deployments-count").TextContent.Trim());

        page.Find("#deployments-search").Input("qwen models");
        page.WaitForAssertion(() => Assert.Equal(["qwen-chat"], Rows(page)));

        page.Find("#clear-filters").Click();
        page.WaitForAssertion(() => Assert.Equal(3, Rows(page).Count));
        Assert.Equal("3 deployments", page.Find("#deployments-count").TextContent.Trim());
    }

    [Fact]
    public void The_filter_combines_framework_state_namespace_and_words()
    {
        var rows = new[]
        {
            Summary("a", "models", "vllm", "Qwen/Qwen2.5-7B-Instruct", ObservedState.Ready),
            Summary("b", "models", "vllm", "Qwen/Qwen2.5-7B-Instruct", ObservedState.Pending),
            Summary("c", "default", "ollama", "qwen2.5:7b", ObservedState.Ready),
        };

        Assert.Equal(["a", "b"], new DeploymentListFilter(Framework: "vllm").Apply(rows).Select(r => r.Name));
        Assert.Equal(["b"], new DeploymentListFilter(Framework: "vllm", State: ObservedState.Pending).Apply(rows).Select(r => r.Name));
        Assert.Equal(["c"], new DeploymentListFilter(Namespace: "default").Apply(rows).Select(r => r.Name));
        Assert.Equal(["c"], new DeploymentListFilter(Search: "QWEN2.5:7B").Apply(rows).Select(r => r.Name));
        Assert.Empty(new DeploymentListFilter(Search: "qwen mistral").Apply(rows));
        Assert.True(new DeploymentListFilter(Search: "  ").IsEmpty);
    }

    [Fact]
    public async Task A_state_change_shows_in_the_row_without_a_reload()
    {
        SignIn("viewer@portal.test", PortalRoles.Viewer);
        var id = Seed(("qwen-chat", "models", "vllm", "Qwen/Qwen2.5-7B-Instruct", ObservedState.Deploying))[0];
        var page = RenderWithPopovers<Deployments>();
        page.WaitForAssertion(() => Assert.Equal("deploying", StateOf(page, "qwen-chat")));

        await using (var db = await Services.GetRequiredService<IDbContextFactory<PortalDb>>().CreateDbContextAsync(Ct))
        {
            var row = await db.Deployments.SingleAsync(d => d.Id == id, Ct);
            row.ObservedState = ObservedState.Ready;
            row.ReadyReplicas = 1;
            await db.SaveChangesAsync(Ct);
        }

        Services.GetRequiredService<DeploymentChanges>().Publish(id, "qwen-chat");

        page.WaitForAssertion(() => Assert.Equal("ready", StateOf(page, "qwen-chat")));
        Assert.Contains("1/1", page.Find("#deployments-grid tbody tr").TextContent);
    }

    [Fact]
    public void Operators_get_row_actions_and_viewers_do_not()
    {
        Seed(("qwen-chat", "models", "vllm", "Qwen/Qwen2.5-7B-Instruct", ObservedState.Ready));

        SignIn("viewer@portal.test", PortalRoles.Viewer);
        var asViewer = RenderWithPopovers<Deployments>();
        asViewer.WaitForAssertion(() => Assert.Single(Rows(asViewer)));
        Assert.Empty(asViewer.FindAll(".row-menu"));
        Assert.Empty(asViewer.FindAll("#deploy-button"));

        SignInAsOperator();
        var asOperator = Render<Deployments>();
        asOperator.WaitForAssertion(() => Assert.Single(asOperator.FindAll(".row-menu")));
        Assert.Single(asOperator.FindAll("#deploy-button"));
    }

    [Fact]
    public async Task The_actions_service_refuses_a_viewer_and_changes_nothing()
    {
        Seed(("qwen-chat", "models", "vllm", "Qwen/Qwen2.5-7B-Instruct", ObservedState.Ready));
        SignIn("viewer@portal.test", PortalRoles.Viewer);
        var actions = Services.GetRequiredService<DeploymentActions>();

        var outcomes = new[]
        {
            await actions.ScaleAsync("qwen-chat", 3, Ct),
            await actions.StopAsync("qwen-chat", Ct),
            await actions.DeleteAsync("qwen-chat", deleteModelCache: true, Ct),
        };

        Assert.All(outcomes, o => Assert.False(o.Succeeded));
        Assert.All(outcomes, o => Assert.Contains("ask an Admin for the Operator role", o.Message));
        var stored = await Services.GetRequiredService<DeploymentQueries>().FindAsync("qwen-chat", Ct);
        Assert.Equal((1, DesiredState.Running, 1L), (stored!.Spec.Replicas, stored.DesiredState, stored.Revision));
    }

    [Fact]
    public async Task An_operator_scales_through_the_same_commands_as_the_api()
    {
        Seed(("qwen-chat", "models", "vllm", "Qwen/Qwen2.5-7B-Instruct", ObservedState.Ready));
        SignInAsOperator();

        var outcome = await Services.GetRequiredService<DeploymentActions>().ScaleAsync("qwen-chat", 2, Ct);

        Assert.True(outcome.Succeeded, outcome.Message);
        Assert.Equal("Scaling qwen-chat to 2 replicas.", outcome.Message);
        var operations = await Services.GetRequiredService<DeploymentQueries>().OperationsAsync("qwen-chat", 10, Ct);
        var scale = Assert.Single(operations, o => o.Kind == OperationKind.Scale);
        Assert.Equal("operator@portal.test", scale.RequestedBy);
        Assert.Equal(2, (await Services.GetRequiredService<DeploymentQueries>().FindAsync("qwen-chat", Ct))!.Spec.Replicas);
    }

    private static List<string> Rows(IRenderedComponent<Deployments> page) =>
        page.FindAll("#deployments-grid tbody tr .deployment-link").Select(a => a.TextContent.Trim()).ToList();

    private static string? StateOf(IRenderedComponent<Deployments> page, string name) =>
        page.FindAll("#deployments-grid tbody tr")
            .FirstOrDefault(r => r.QuerySelector(".deployment-link")?.TextContent.Trim() == name)?
            .QuerySelector(".portal-state-chip")?.GetAttribute("data-state");

    private List<Guid> Seed(params (string Name, string Ns, string Framework, string Model, ObservedState State)[] rows)
    {
        using var db = Services.GetRequiredService<IDbContextFactory<PortalDb>>().CreateDbContext();
        var ids = new List<Guid>();
        foreach (var (name, ns, framework, model, state) in rows)
        {
            var deployment = new Deployment { ObservedState = state, CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-3), UpdatedAt = DateTimeOffset.UtcNow };
            deployment.SetSpec(new DeploymentSpec { Name = name, Namespace = ns, Framework = framework, Model = model, GpusPerReplica = framework == "ollama" ? 0 : 1 });
            db.Deployments.Add(deployment);
            ids.Add(deployment.Id);
        }

        db.SaveChanges();
        return ids;
    }

    private static DeploymentSummary Summary(string name, string ns, string framework, string model, ObservedState state) =>
        new(Guid.NewGuid(), name, ns, framework, model, 0, 1, state, DesiredState.Running, null, null, DateTimeOffset.UtcNow);
}
