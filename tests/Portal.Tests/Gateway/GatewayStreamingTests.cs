using System.Diagnostics;
using System.Net.Http.Json;
using OpenAI.Chat;

namespace Portal.Tests.Gateway;

/// <summary>What a proxy in front of token streams must get right: no buffering, retry before the first byte, and cancellation.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayStreamingTests(GatewayFixture fx)
{
    private static CancellationToken Ct => GatewayFixture.Ct;

    [Fact]
    public async Task The_first_chunk_reaches_the_client_before_the_engine_has_produced_the_last_token()
    {
        var engines = fx.Env.Cluster.Engines;
        var itl = engines.InterTokenLatency;
        engines.InterTokenLatency = TimeSpan.FromMilliseconds(150);
        try
        {
            var chat = fx.OpenAi(await fx.NewKeyAsync()).GetChatClient(GatewayFixture.VllmModel);
            var clock = Stopwatch.StartNew();
            var arrivals = new List<TimeSpan>();
            await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Tell a long story about proxies.")], new ChatCompletionOptions { MaxOutputTokenCount = 10 }, Ct))
            {
                if (update.ContentUpdate.Any(p => !string.IsNullOrEmpty(p.Text)))
                {
                    arrivals.Add(clock.Elapsed);
                }
            }

            Assert.True(arrivals.Count >= 8, $"only {arrivals.Count} content chunks");
            // Ten tokens 150 ms apart take at least 1.35 s to generate; unbuffered, the first one is seen
            // about that long before the last (buffered, they would all arrive together).
            Assert.True(arrivals[^1] - arrivals[0] > TimeSpan.FromMilliseconds(900), $"first chunk at {arrivals[0].TotalMilliseconds:0} ms, last at {arrivals[^1].TotalMilliseconds:0} ms");
        }
        finally
        {
            engines.InterTokenLatency = itl;
        }
    }

    [Fact]
    public async Task A_replica_killed_before_its_first_byte_is_retried_on_the_other_replica()
    {
        var engines = fx.Env.Cluster.Engines;
        var ttft = engines.TimeToFirstToken;
        engines.TimeToFirstToken = TimeSpan.FromMilliseconds(1500);
        try
        {
            var pods = fx.Routes.Current.ByDeployment["chat-vllm"].Pods;
            Assert.Equal(2, pods.Count);
            var chat = fx.OpenAi(await fx.NewKeyAsync()).GetChatClient(GatewayFixture.VllmModel);

            // Not streamed: the engine sends nothing until the whole reply is ready.
            var pending = chat.CompleteChatAsync([new UserChatMessage("Which pod answers?")], new ChatCompletionOptions { MaxOutputTokenCount = 4 }, Ct);
            var busy = await WaitForRunningRequestAsync(pods);
            await fx.Env.Cluster.Faults.KillPod("default", busy.Name, Ct);

            var result = await pending;
            Assert.NotEmpty(result.Value.Content[0].Text);
            Assert.True(result.GetRawResponse().Headers.TryGetValue("x-portal-pod", out var answeredBy));
            Assert.NotEqual(busy.Name, answeredBy);
            Assert.Contains(pods, p => p.Name == answeredBy);
        }
        finally
        {
            engines.TimeToFirstToken = ttft;
            await fx.WaitForModelsAsync(GatewayFixture.VllmModel); // the killed replica comes back for the other tests
        }
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_the_request_on_the_engine()
    {
        var engines = fx.Env.Cluster.Engines;
        var itl = engines.InterTokenLatency;
        engines.InterTokenLatency = TimeSpan.FromMilliseconds(100);
        try
        {
            using var http = fx.Http(await fx.NewKeyAsync());
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new
                {
                    model = GatewayFixture.VllmModel,
                    stream = true,
                    max_tokens = 150,
                    messages = new[] { new { role = "user", content = "Count slowly to a hundred and fifty." } },
                }),
            };
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            response.EnsureSuccessStatusCode();
            var podName = response.Headers.GetValues("x-portal-pod").Single();
            var pod = fx.Routes.Current.ByDeployment["chat-vllm"].Pods.Single(p => p.Name == podName);
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
            while (await reader.ReadLineAsync(Ct) is { } line && !line.Contains("\"content\":\"", StringComparison.Ordinal))
            {
            }

            Assert.Equal(1, await fx.EngineGaugeAsync(pod, "vllm:num_requests_running"));
            var left = Stopwatch.StartNew();
            response.Dispose(); // the client goes away some fifteen seconds before the reply would end

            while (await fx.EngineGaugeAsync(pod, "vllm:num_requests_running") > 0)
            {
                Assert.True(left.Elapsed < TimeSpan.FromSeconds(5), "the engine still generates for a client that left");
                await Task.Delay(50, Ct);
            }
        }
        finally
        {
            engines.InterTokenLatency = itl;
        }
    }

    private async Task<Portal.Gateway.PodEndpoint> WaitForRunningRequestAsync(IReadOnlyList<Portal.Gateway.PodEndpoint> pods)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var pod in pods)
            {
                if (await fx.EngineGaugeAsync(pod, "vllm:num_requests_running") > 0)
                {
                    return pod;
                }
            }

            await Task.Delay(20, Ct);
        }

        throw new TimeoutException("no replica started the request");
    }
}
