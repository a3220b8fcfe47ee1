using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using Portal.TestSupport;

namespace Portal.Tests.Autoscaling;

/// <summary>One world for the scale-to-zero tests: KEDA on the simulator, a real Prometheus, a queue of 20 per model.</summary>
public sealed class ScaleToZeroFixture : IAsyncLifetime
{
    public const string Namespace = "models";
    public const int QueueLimit = 20;

    public AutoscalingWorld World { get; private set; } = null!;

    public async ValueTask InitializeAsync() => World = await AutoscalingWorld.StartAsync(new Dictionary<string, string?>
    {
        ["Gateway:ColdStartQueueLimit"] = QueueLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Gateway:ColdStartWait"] = "00:01:00",
    }, cancellationToken: Xunit.TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await World.DisposeAsync();

    /// <summary>A vLLM deployment KEDA scales between 0 and 2 on requests waiting, polling every second, 2 s cooldown.</summary>
    public static object Body(string name, string served) => new
    {
        name,
        @namespace = Namespace,
        framework = "vllm",
        model = "Qwen/Qwen2.5-0.5B-Instruct",
        servedModelName = served,
        gpusPerReplica = 1,
        autoscaling = new { mode = "Keda", metric = "requests-waiting", target = 5, minReplicas = 0, maxReplicas = 2, cooldownSeconds = 2, pollingSeconds = 1 },
    };

    public OpenAIClient OpenAi() => new(new ApiKeyCredential(PortalOnSimulator.AdminApiKey), new OpenAIClientOptions
    {
        Endpoint = new Uri(World.Portal.BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(90),
    });

    public HttpClient Http()
    {
        var http = new HttpClient { BaseAddress = World.Portal.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PortalOnSimulator.AdminApiKey);
        return http;
    }
}

public sealed class ScaleToZeroTests(ScaleToZeroFixture fx) : IClassFixture<ScaleToZeroFixture>
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private AutoscalingWorld World => fx.World;

    [Fact]
    public async Task After_the_cooldown_the_StatefulSet_is_at_zero_and_a_chat_through_the_OpenAI_SDK_waits_and_succeeds()
    {
        await World.CreateAsync(ScaleToZeroFixture.Body("zero-sdk", "zero-sdk-qwen"), Ct);
        await World.WaitForReplicasAsync(ScaleToZeroFixture.Namespace, "zero-sdk", (replicas, _) => replicas == 0, TimeSpan.FromSeconds(60), Ct);
        await World.Env.WaitForDeploymentAsync("zero-sdk", d => d.State == "idle", TimeSpan.FromSeconds(30), Ct);
        Assert.Contains("KEDAScaleTargetDeactivated: Deactivated apps/v1.StatefulSet models/zero-sdk from 1 to 0", await World.EventsAsync(ScaleToZeroFixture.Namespace, Ct));

        var chat = fx.OpenAi().GetChatClient("zero-sdk-qwen");
        var reply = await chat.CompleteChatAsync([new UserChatMessage("Wake up, please.")], new ChatCompletionOptions { MaxOutputTokenCount = 8 }, Ct);

        Assert.False(string.IsNullOrWhiteSpace(reply.Value.Content[0].Text));
        Assert.Equal(1, await World.ReplicasAsync(ScaleToZeroFixture.Namespace, "zero-sdk", Ct));
        var events = await World.EventsAsync(ScaleToZeroFixture.Namespace, Ct);
        Assert.Contains("KEDAScaleTargetActivated: Scaled apps/v1.StatefulSet models/zero-sdk from 0 to 1, caused by forced activation annotation", events);

        // The wake is on the audit log with the cold start it measured, and idle again after the cooldown. The gateway
        // forwards as soon as its routing table lists the Ready pod; the waker's own look at the pods (every 100 ms)
        // closes the entry, so the reply can come first.
        using var api = World.Env.ApiClient();
        var wake = await FinishedWakeAsync(api, "zero-sdk");
        Assert.Equal("succeeded", (string?)wake["outcome"]);
        Assert.StartsWith("woke in ", (string?)wake["message"]);
        await World.WaitForReplicasAsync(ScaleToZeroFixture.Namespace, "zero-sdk", (replicas, _) => replicas == 0, TimeSpan.FromSeconds(60), Ct);
    }

    private static async Task<JsonObject> FinishedWakeAsync(HttpClient api, string name)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var operations = await api.GetFromJsonAsync<JsonArray>($"/api/v1/deployments/{name}/operations", Ct);
            var wake = operations!.OfType<JsonObject>().First(o => (string?)o["kind"] == "wake");
            if ((string?)wake["outcome"] is not ("pending" or "running") || DateTime.UtcNow > deadline)
            {
                return wake;
            }

            await Task.Delay(100, Ct);
        }
    }

    [Fact]
    public async Task Twenty_callers_during_a_wake_all_succeed_streaming_callers_see_the_wait_and_one_more_gets_429()
    {
        await World.CreateAsync(ScaleToZeroFixture.Body("zero-crowd", "zero-crowd-qwen"), Ct);
        await World.WaitForReplicasAsync(ScaleToZeroFixture.Namespace, "zero-crowd", (replicas, _) => replicas == 0, TimeSpan.FromSeconds(60), Ct);
        await World.Env.WaitForDeploymentAsync("zero-crowd", d => d.State == "idle", TimeSpan.FromSeconds(30), Ct);

        using var http = fx.Http();
        var callers = Enumerable.Range(0, ScaleToZeroFixture.QueueLimit).Select(i => StreamAsync(http, i)).ToList();
        var held = await Task.WhenAll(callers.Select(c => c.Headers));

        // Every caller holds a place: one more is over the queue limit and gets an OpenAI-shaped 429.
        using var over = await http.PostAsJsonAsync("/v1/chat/completions", Chat(stream: false, "one too many"), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        var error = (await over.Content.ReadFromJsonAsync<JsonObject>(Ct))!["error"]!;
        Assert.Equal("model_waking_queue_full", (string?)error["code"]);
        Assert.Equal("requests", (string?)error["type"]);
        Assert.Contains("waking from zero replicas", (string?)error["message"]);
        Assert.NotNull(over.Headers.RetryAfter);

        Assert.All(held, h => Assert.NotNull(h));
        var replies = await Task.WhenAll(callers.Select(c => c.Body));
        Assert.All(replies, r =>
        {
            Assert.StartsWith(": waking model zero-crowd", r);
            Assert.Contains("data: {", r);
            Assert.EndsWith("data: [DONE]\n\n", r);
            Assert.DoesNotContain("\"error\"", r);
        });
    }

    private (Task<string?> Headers, Task<string> Body) StreamAsync(HttpClient http, int i)
    {
        var headers = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var body = Task.Run(async () =>
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(Chat(stream: true, $"caller {i}")) };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                headers.TrySetResult(response.Headers.TryGetValues("x-portal-wait", out var values) ? values.Single() : null);
                return await response.Content.ReadAsStringAsync(Ct);
            }
            catch (Exception e)
            {
                headers.TrySetException(e);
                throw;
            }
        });
        return (headers.Task, body);
    }

    private static object Chat(bool stream, string text) => new
    {
        model = "zero-crowd-qwen",
        stream,
        max_tokens = 8,
        messages = new[] { new { role = "user", content = text } },
    };
}
