using Portal.Application.Deployments;
using Portal.Auth;

namespace Portal.Api;

public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/reconcile", (DeploymentCommands commands) => commands.RequestReconcile() switch
            {
                CommandResult.Queued queued => Results.Accepted((string?)null, new { jobId = queued.JobId }),
                CommandResult.Forbidden forbidden => Results.Problem(forbidden.Message, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
                var other => throw new InvalidOperationException($"unmapped result {other}"),
            })
            .RequireAuthorization(PortalPolicies.Operate)
            .WithTags("Cluster")
            .WithSummary("Reconcile now instead of at the next interval");
        return endpoints;
    }
}
