using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Portal.Services.Playground;
using Portal.Tests.Gateway;

namespace Portal.Tests.Playground;

/// <summary>The playground's logic through the gateway's in-process path, against simulated engines.</summary>
[Collection(GatewayCollection.Name)]
public sealed class PlaygroundSessionTests(GatewayFixture fx)
{
    private static readonly ClaimsPrincipal User = new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "playground-user")], "test"));

    private static CancellationToken Ct => GatewayFixture.Ct;

    private PlaygroundSession NewSession() => fx.Env.Portal.Services.GetRequiredService<PlaygroundSession>();

    private ChatTarget Target(string deployment)
    {
        var route = fx.Routes.Current.ByDeployment[deployment];
        return new ChatTarget(route.Name, route.Framework, route.ModelName, route.Pods.Count);
    }

    [Fact]
    public async Task Compare_mode_streams_one_prompt_to_three_frameworks_and_shows_each_ones_figures()
    {
        var session = NewSession();
        session.Settings = new ChatSettings { SystemPrompt = "Be brief.", MaxTokens = 8, Temperature = 0.2 };
        session.SetTargets([Target("chat-vllm"), Target("chat-sglang"), Target("chat-ollama")]);

        await session.SendAsync(User, "Which engine are you?", Ct);

        Assert.All(session.Columns, column =>
        {
            Assert.Equal(["user", "assistant"], column.Turns.Select(t => t.Role));
            var reply = column.Turns[1];
            Assert.Equal(TurnStatus.Done, reply.Status);
            Assert.False(string.IsNullOrWhiteSpace(reply.Text));
            Assert.NotNull(reply.Figures?.TimeToFirstTokenMs);
            Assert.InRange(reply.Figures!.CompletionTokens ?? 0, 1, 8);
            Assert.True(reply.Figures.PromptTokens > 0);
        });

        var exported = System.Text.Json.Nodes.JsonNode.Parse(session.ExportJson(DateTimeOffset.UnixEpoch))!;
        Assert.Equal(["chat-vllm", "chat-sglang", "chat-ollama"], exported["deployments"]!.AsArray().Select(d => (string?)d!["deployment"]));
        Assert.Equal("Be brief.", (string?)exported["settings"]!["systemPrompt"]);

        var restored = NewSession();
        Assert.True(restored.Import(session.ExportJson(DateTimeOffset.UnixEpoch), [Target("chat-vllm"), Target("chat-ollama")]));
        Assert.Equal(["chat-vllm", "chat-ollama"], restored.Columns.Select(c => c.Target.Deployment));
        Assert.Equal(session.Columns[0].Turns[1].Text, restored.Columns[0].Turns[1].Text);
    }

    [Fact]
    public async Task Stop_ends_a_long_generation_and_the_engine_stops_too_then_regenerate_replaces_the_reply()
    {
        var engines = fx.Env.Cluster.Engines;
        var itl = engines.InterTokenLatency;
        engines.InterTokenLatency = TimeSpan.FromMilliseconds(100);
        try
        {
            var session = NewSession();
            session.Settings = new ChatSettings { MaxTokens = 80 };
            session.SetTargets([Target("chat-sglang")]);

            var generation = session.SendAsync(User, "Write a very long poem.", Ct);
            var reply = () => session.Columns[0].Turns[^1];
            var begun = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (reply().Length < 10)
            {
                Assert.True(reply().Status != TurnStatus.Failed && DateTime.UtcNow < begun, $"the reply did not begin: {reply().Status} {reply().Error}");
                await Task.Delay(20, Ct);
            }

            var pod = fx.Routes.Current.ByDeployment["chat-sglang"].Pods.Single();
            // Ours, and perhaps the kubelet's readiness and liveness probes: both ask /health, and SGLang's /health
            // generates one token itself.
            Assert.InRange(await fx.EngineGaugeAsync(pod, "sglang:num_running_reqs"), 1, 3);
            session.Stop();
            await generation.WaitAsync(TimeSpan.FromSeconds(2), Ct);

            Assert.Equal(TurnStatus.Stopped, reply().Status);
            var stoppedAt = reply().Length;
            Assert.InRange(stoppedAt, 10, 2000);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
            while (await fx.EngineGaugeAsync(pod, "sglang:num_running_reqs") > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the engine kept generating after stop");
                await Task.Delay(50, Ct);
            }

            session.Settings = new ChatSettings { MaxTokens = 3 };
            await session.RegenerateAsync(User, Ct);
            Assert.Equal(2, session.Columns[0].Turns.Count);
            Assert.Equal(TurnStatus.Done, reply().Status);
            Assert.Equal(3, reply().Figures?.CompletionTokens);
        }
        finally
        {
            engines.InterTokenLatency = itl;
        }
    }

    [Fact]
    public async Task A_deployment_that_is_gone_shows_the_gateways_error_in_the_reply()
    {
        var session = NewSession();
        session.SetTargets([new ChatTarget("chat-deleted-long-ago", "vllm", "ghost", 1)]);

        await session.SendAsync(User, "Anyone there?", Ct);

        var reply = session.Columns[0].Turns[^1];
        Assert.Equal(TurnStatus.Failed, reply.Status);
        Assert.Contains("does not exist", reply.Error);
        Assert.Contains("HTTP 404", reply.Error);
    }
}
