using System.Security.Claims;
using Portal.Application.Ports;

namespace Portal.Gateway;

/// <summary>
/// Benchmark traffic into the gateway, in process: the same <see cref="GatewayHandler"/> path as any caller (pinned to
/// the run's deployment, least-outstanding pod choice, YARP forwarding, retry, metrics), as the run's own caller
/// (<c>benchmark &lt;run id&gt;</c>) and outside the per-caller rate limit.
/// </summary>
public sealed class GatewayInferenceGateway(GatewayClient gateway) : IInferenceGateway
{
    public async Task<InferenceResponse> SendAsync(string deployment, ReadOnlyMemory<byte> json, string requester, CancellationToken cancellationToken)
    {
        var caller = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, requester), new Claim(ClaimTypes.NameIdentifier, requester)], "benchmark"));
        var response = await gateway.SendAsync(caller, GatewayOperation.ChatCompletions, json, deployment, cancellationToken, exemptFromRateLimit: true);
        return new InferenceResponse(response.StatusCode, response.Body, response.DisposeAsync);
    }
}
