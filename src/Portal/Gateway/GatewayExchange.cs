using System.Security.Claims;

namespace Portal.Gateway;

/// <summary>What the gateway knows about one request while it is forwarded; a request feature the transformer reads.</summary>
internal sealed class GatewayExchange(GatewayOperation operation)
{
    public GatewayOperation Operation { get; } = operation;

    public DeploymentRoute? Deployment { get; set; }

    public PodEndpoint? Pod { get; set; }

    public ResponseObserver Observer { get; } = new();
}

/// <summary>
/// Marks a request made inside the portal (the playground) rather than over HTTP: it is already
/// authenticated as the signed-in user, and may name the deployment to use.
/// </summary>
public sealed class InProcessCaller(ClaimsPrincipal user, string? deployment, bool exemptFromRateLimit = false)
{
    /// <summary>
    /// A benchmark run: the per-caller rate limit is a policy for callers, and a run that met it would measure the
    /// limit instead of the deployment. Every other step of the gateway's path applies.
    /// </summary>
    public bool ExemptFromRateLimit { get; } = exemptFromRateLimit;

    public ClaimsPrincipal User { get; } = user;

    /// <summary>The deployment to use regardless of which others serve the same model (compare mode), or null.</summary>
    public string? Deployment { get; } = deployment;

    /// <summary>The rate-limit partition: the signed-in user.</summary>
    public string PartitionKey { get; } = "user:" + (user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.Identity?.Name ?? "anonymous");
}
