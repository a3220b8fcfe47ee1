using Hangfire;
using Portal.Auth;
using Portal.Jobs.Reconcile;

namespace Portal.Api;

public static class ClusterEndpoints
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/reconcile", (IBackgroundJobClient jobs) =>
            {
                var jobId = jobs.Enqueue<ReconcileJob>(job => job.RunAsync(CancellationToken.None));
                return TypedResults.Accepted((string?)null, new { jobId });
            })
            .RequireAuthorization(PortalPolicies.Operate)
            .WithTags("Cluster")
            .WithSummary("Reconcile now instead of at the next interval");
        return endpoints;
    }
}
