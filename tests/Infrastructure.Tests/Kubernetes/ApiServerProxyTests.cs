using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.TestSupport;

namespace Portal.Infrastructure.Tests.Kubernetes;

/// <summary>
/// A portal outside the cluster (Kubernetes:ServiceAccess=ApiServerProxy) reaches engine pods only
/// through the API server's pod proxy: the Ollama pull and the gateway's chats both go that way.
/// </summary>
public sealed class ApiServerProxyTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Model_pulls_and_gateway_chats_work_through_the_api_servers_pod_proxy()
    {
        await using var env = await PortalOnSimulator.StartAsync(
            settings: new Dictionary<string, string?> { ["Kubernetes:ServiceAccess"] = "ApiServerProxy" }, cancellationToken: Ct);
        using var api = env.ApiClient();
        await api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "remote-ollama", @namespace = "default", framework = "ollama", model = "qwen2.5:0.5b", replicas = 1, gpusPerReplica = 0 }, Ct);
        await api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "remote-vllm", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct);

        var ollama = await env.WaitForDeploymentAsync("remote-ollama", d => d.State == "ready", TimeSpan.FromSeconds(30), Ct);
        await env.WaitForDeploymentAsync("remote-vllm", d => d.State == "ready", TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(100, ollama.PullPercent);
        var proxied = env.Cluster.ApiCalls.OfVerb("proxy");
        Assert.True(proxied >= 1, "the pull went through the API server's proxy");

        foreach (var model in new[] { "qwen2.5:0.5b", "Qwen/Qwen2.5-0.5B-Instruct" })
        {
            await WaitForRouteAsync(api, model);
            var response = await api.PostAsJsonAsync("/v1/chat/completions",
                new { model, messages = new[] { new { role = "user", content = "Say hello." } } }, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.False(string.IsNullOrWhiteSpace(completion.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()));
        }

        Assert.True(env.Cluster.ApiCalls.OfVerb("proxy") >= proxied + 2, "the chats went through the API server's proxy");
    }

    /// <summary>The gateway's routes follow the database within a moment of a deployment turning Ready.</summary>
    private static async Task WaitForRouteAsync(HttpClient api, string model)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var models = await api.GetStringAsync("/v1/models", Ct);
            if (models.Contains($"\"{model}\"", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{model} never appeared in /v1/models: {models}");
            await Task.Delay(100, Ct);
        }
    }
}
