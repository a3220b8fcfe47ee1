using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Embeddings;

namespace Portal.Simulator.Tests;

public sealed class EmbeddingTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    public static TheoryData<string> Engines => ["vllm", "sglang", "ollama"];

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task OpenAI_SDK_gets_deterministic_unit_vectors_and_the_prompt_tokens_used(string engine)
    {
        await using var cluster = await TestCluster.StartAsync();
        var (root, model) = await EmbeddingEngineAsync(cluster, engine);
        var client = new EmbeddingClient(model, new ApiKeyCredential("none"), new OpenAIClientOptions { Endpoint = new Uri(root, "/v1") });

        var first = await client.GenerateEmbeddingsAsync(["the cat sat on the mat", "GPUs are fast"], cancellationToken: Ct);
        var again = await client.GenerateEmbeddingAsync("the cat sat on the mat", cancellationToken: Ct);

        var vectors = first.Value.Select(e => e.ToFloats().ToArray()).ToList();
        Assert.Equal(2, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 3));
        Assert.Equal(vectors[0], again.Value.ToFloats().ToArray());
        Assert.NotEqual(vectors[0], vectors[1]);
        // 6 words and 3 words at 1.3 tokens a word, rounded up: 8 + 4.
        Assert.Equal(12, first.Value.Usage.InputTokenCount);
        Assert.Equal(12, first.Value.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Ollama_api_embed_returns_normalised_vectors_truncated_to_dimensions()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (root, _) = await EmbeddingEngineAsync(cluster, "ollama");
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(root, "/api/embed"),
            Json("""{"model":"nomic-embed-text","input":["why is the sky blue","hi"],"dimensions":64}"""), Ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var embeddings = body["embeddings"]!.AsArray().Select(e => e!.AsArray().Select(x => (double)x!).ToArray()).ToList();
        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(64, e.Length));
        Assert.All(embeddings, e => Assert.Equal(1.0, Math.Sqrt(e.Sum(x => x * x)), 3));
        Assert.Equal(7 + 2, (int)body["prompt_eval_count"]!);
    }

    [Theory]
    [InlineData(EnginePods.VllmCurrent, 404, null)]
    [InlineData(EnginePods.VllmOld, 400, "The model does not support Embeddings API")]
    public async Task A_vLLM_generate_model_has_no_embeddings_endpoint(string image, int status, string? message)
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.VllmAsync(cluster, "v", image);
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(root, "/v1/embeddings"), Json("""{"model":"qwen","input":"hi"}"""), Ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(message ?? "Not Found", message is null ? (string?)body["detail"] : (string?)body["error"]!["message"]);
    }

    [Fact]
    public async Task A_vLLM_pooling_model_does_not_chat()
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.StartAsync(cluster, "v", EnginePods.VllmOld, null, ["BAAI/bge-m3", "--runner", "pooling", "--port", "8000"], 8000);
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(root, "/v1/chat/completions"), Json("""{"model":"BAAI/bge-m3","messages":[{"role":"user","content":"hi"}]}"""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("The model does not support Chat Completions API", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!["message"]);
    }

    [Fact]
    public async Task SGLang_without_is_embedding_refuses_embeddings_with_its_flat_error()
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.SglangAsync(cluster, "s", EnginePods.SglangCurrent);
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(root, "/v1/embeddings"), Json("""{"model":"qwen","input":"hi"}"""), Ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("error", (string?)body["object"]);
        Assert.StartsWith("This model does not appear to be an embedding model by default.", (string?)body["message"]);
    }

    private static async Task<(Uri Root, string Model)> EmbeddingEngineAsync(SimulatedCluster cluster, string engine)
    {
        switch (engine)
        {
            case "vllm":
                return (await EnginePods.StartAsync(cluster, "e", EnginePods.VllmCurrent, null, ["Qwen/Qwen3-Embedding-0.6B", "--runner", "pooling", "--port", "8000"], 8000),
                    "Qwen/Qwen3-Embedding-0.6B");
            case "sglang":
                return (await EnginePods.SglangAsync(cluster, "e", EnginePods.SglangCurrent, null, "--is-embedding"), "qwen");
            default:
                var root = await EnginePods.OllamaAsync(cluster, "e", EnginePods.OllamaCurrent);
                using (var http = new HttpClient())
                {
                    await OllamaPullTests.PullAsync(http, root, "nomic-embed-text");
                }

                return (root, "nomic-embed-text");
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
