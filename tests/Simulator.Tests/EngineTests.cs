using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using OpenAI;
using OpenAI.Chat;

namespace Portal.Simulator.Tests;

public sealed class EngineTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    public static TheoryData<string> OpenAiFrameworks => ["vllm", "sglang"];

    [Theory]
    [MemberData(nameof(OpenAiFrameworks))]
    public async Task OpenAI_SDK_chats_through_the_service_proxy_streaming_and_not(string framework)
    {
        await using var cluster = await TestCluster.StartAsync();
        var (sts, service, port) = framework == "vllm"
            ? (TestCluster.StatefulSet("chat", 1, args: ["Qwen/Qwen2.5-0.5B-Instruct", "--served-model-name", "qwen", "--port", "8000"]), TestCluster.Service("chat", 8000), 8000)
            : (TestCluster.StatefulSet("chat", 1, image: "lmsysorg/sglang:v0.4.10.post2", command: ["python3", "-m", "sglang.launch_server"],
                args: ["--model-path", "Qwen/Qwen2.5-0.5B-Instruct", "--served-model-name", "qwen", "--host", "0.0.0.0", "--port", "30000", "--enable-metrics"], port: 30000),
                TestCluster.Service("chat", 30000), 30000);
        await DeployAsync(cluster, sts, service);
        var chat = new ChatClient("qwen", new ApiKeyCredential("none"), new OpenAIClientOptions { Endpoint = ProxyUri(cluster, "chat", "/v1") });

        var reply = await chat.CompleteChatAsync([new UserChatMessage("What is a GPU?")], cancellationToken: Ct);
        var streamed = new List<string>();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("What is a GPU?")], new ChatCompletionOptions(), Ct))
        {
            streamed.AddRange(update.ContentUpdate.Select(p => p.Text));
            usage ??= update.Usage;
        }

        Assert.Equal(ChatFinishReason.Stop, reply.Value.FinishReason);
        Assert.Equal("qwen", reply.Value.Model);
        Assert.True(reply.Value.Usage.OutputTokenCount > 5);
        Assert.Equal(reply.Value.Content[0].Text, string.Concat(streamed));
        Assert.NotNull(usage);
        Assert.Equal(reply.Value.Usage.OutputTokenCount, usage!.OutputTokenCount);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(ProxyUri(cluster, "chat", "/metrics"), Ct);
        var counter = framework == "vllm" ? "vllm:generation_tokens_total" : "sglang:generation_tokens_total";
        var samples = PrometheusText.Parse(metrics);
        Assert.Equal(2 * reply.Value.Usage.OutputTokenCount, samples.Single(s => s.Name == counter).Value);
        var ttft = framework == "vllm" ? "vllm:time_to_first_token_seconds_count" : "sglang:time_to_first_token_seconds_count";
        Assert.Equal(2, samples.Single(s => s.Name == ttft).Value);
        Assert.Equal("qwen", samples.Single(s => s.Name == counter).Labels["model_name"]);
        _ = port;
    }

    [Fact]
    public async Task vLLM_answers_an_unknown_model_with_an_OpenAI_404_and_refuses_connections_while_loading()
    {
        await using var cluster = await TestCluster.StartAsync(new SimulatorOptions { ModelLoadTime = TimeSpan.FromSeconds(1), ContainerStartTime = TimeSpan.FromMilliseconds(10), ProbeSecond = TestCluster.ProbeSecond });
        var client = cluster.Client();
        await client.CreateNamespacedStatefulSetAsync(TestCluster.StatefulSet("v", 1), "default", cancellationToken: Ct);
        var pod = await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("v-0", "default", cancellationToken: Ct), p => p.Status.Phase == "Running", "running");
        using var http = new HttpClient();

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync($"http://{pod.Status.PodIP}:8000/health", Ct));
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, (refused.InnerException as System.Net.Sockets.SocketException)?.SocketErrorCode);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedPodAsync("v-0", "default", cancellationToken: Ct), p => p.Status.ContainerStatuses[0].Ready == true, "ready");
        var response = await http.PostAsync($"http://{pod.Status.PodIP}:8000/v1/chat/completions",
            new StringContent("""{"model":"gpt-4","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!;
        Assert.Equal("The model `gpt-4` does not exist.", (string?)error["message"]);
        Assert.Equal(404, (int)error["code"]!);
    }

    [Fact]
    public async Task Ollama_needs_a_pull_before_it_chats_and_streams_NDJSON()
    {
        await using var cluster = await TestCluster.StartAsync();
        var sts = TestCluster.StatefulSet("ol", 1, image: "ollama/ollama:0.12.3", args: [], port: 11434);
        sts.Spec.Template.Spec.Containers[0].Env = [new V1EnvVar { Name = "OLLAMA_HOST", Value = "0.0.0.0:11434" }];
        await DeployAsync(cluster, sts, TestCluster.Service("ol", 11434));
        using var http = new HttpClient();
        var root = ProxyUri(cluster, "ol", "");

        Assert.Equal("Ollama is running", await http.GetStringAsync(new Uri(root + "/"), Ct));
        var missing = await http.PostAsync(new Uri(root + "/api/chat"), Json("""{"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("model 'qwen2.5:0.5b' not found", (string?)JsonNode.Parse(await missing.Content.ReadAsStringAsync(Ct))!["error"]);

        var pull = await ReadLinesAsync(http, new Uri(root + "/api/pull"), """{"model":"qwen2.5:0.5b"}""");
        Assert.Equal("pulling manifest", (string?)pull[0]["status"]);
        Assert.Contains(pull, l => l["completed"] is not null && (long)l["completed"]! == (long)l["total"]!);
        Assert.Equal("success", (string?)pull[^1]["status"]);

        var lines = await ReadLinesAsync(http, new Uri(root + "/api/chat"), """{"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}]}""");
        Assert.True(lines.Count > 3);
        Assert.All(lines[..^1], l => Assert.False((bool)l["done"]!));
        Assert.True((bool)lines[^1]["done"]!);
        Assert.Equal("stop", (string?)lines[^1]["done_reason"]);
        Assert.Equal(lines.Count - 1, (int)lines[^1]["eval_count"]!);
        Assert.True((long)lines[^1]["total_duration"]! > 0);

        var tags = JsonNode.Parse(await http.GetStringAsync(new Uri(root + "/api/tags"), Ct))!;
        Assert.Equal("qwen2.5:0.5b", (string?)tags["models"]![0]!["name"]);
        var ps = JsonNode.Parse(await http.GetStringAsync(new Uri(root + "/api/ps"), Ct))!;
        Assert.Equal("qwen2.5:0.5b", (string?)ps["models"]![0]!["name"]);
        var v1 = await http.PostAsync(new Uri(root + "/v1/chat/completions"), Json("""{"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}]}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
    }

    [Fact]
    public async Task Proxy_streams_tokens_as_they_are_generated()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Engines.InterTokenLatency = TimeSpan.FromMilliseconds(40);
        await DeployAsync(cluster, TestCluster.StatefulSet("s", 1), TestCluster.Service("s"));
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, ProxyUri(cluster, "s", "/v1/completions"))
        {
            Content = Json("""{"model":"Qwen/Qwen2.5-0.5B-Instruct","prompt":"tell me","max_tokens":20,"stream":true}"""),
        };

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var arrivals = new List<DateTime>();
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal))
            {
                arrivals.Add(DateTime.UtcNow);
            }
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(arrivals.Count >= 20);
        // 20 tokens 40 ms apart: buffered, they would all land together at the end.
        Assert.True(arrivals[^1] - arrivals[0] > TimeSpan.FromMilliseconds(500), $"frames arrived within {(arrivals[^1] - arrivals[0]).TotalMilliseconds} ms");
    }

    internal static Uri ProxyUri(SimulatedCluster cluster, string service, string path) =>
        new($"{cluster.ApiServerUrl.GetLeftPart(UriPartial.Authority)}/api/v1/namespaces/default/services/{service}:http/proxy{path}");

    internal static async Task DeployAsync(SimulatedCluster cluster, V1StatefulSet sts, V1Service service)
    {
        var client = cluster.Client();
        await client.CreateNamespacedServiceAsync(service, "default", cancellationToken: Ct);
        await client.CreateNamespacedStatefulSetAsync(sts, "default", cancellationToken: Ct);
        await TestCluster.EventuallyAsync(() => client.ReadNamespacedStatefulSetAsync(sts.Metadata.Name, "default", cancellationToken: Ct),
            s => s.Status?.ReadyReplicas == sts.Spec.Replicas, "ready replicas");
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private static async Task<List<JsonNode>> ReadLinesAsync(HttpClient http, Uri uri, string body)
    {
        using var response = await http.PostAsync(uri, Json(body), Ct);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
    }
}
