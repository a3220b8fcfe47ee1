using System.ClientModel;
using OpenAI.Embeddings;

namespace Portal.Tests.Gateway;

/// <summary>Embeddings through the gateway with the official OpenAI SDK, on the model each engine serves them with.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayEmbeddingsTests(GatewayFixture fx)
{
    private static CancellationToken Ct => GatewayFixture.Ct;

    [Theory]
    [InlineData(GatewayFixture.VllmEmbedModel)]
    [InlineData(GatewayFixture.SglangEmbedModel)]
    [InlineData(GatewayFixture.OllamaEmbedModel)]
    public async Task Each_engine_returns_unit_vectors_with_the_prompt_tokens_it_used(string model)
    {
        var client = fx.OpenAi(await fx.NewKeyAsync()).GetEmbeddingClient(model);

        var result = await client.GenerateEmbeddingsAsync(["The quick brown fox", "jumps over the lazy dog"], cancellationToken: Ct);

        Assert.Equal(2, result.Value.Count);
        foreach (var embedding in result.Value)
        {
            var vector = embedding.ToFloats().ToArray();
            Assert.True(vector.Length >= 64, $"{model}: {vector.Length} dimensions");
            Assert.InRange(Math.Sqrt(vector.Sum(v => (double)v * v)), 0.99, 1.01);
        }

        Assert.NotEqual(result.Value[0].ToFloats().ToArray(), result.Value[1].ToFloats().ToArray());
        Assert.True(result.Value.Usage.InputTokenCount > 0);
        var again = await client.GenerateEmbeddingAsync("The quick brown fox", cancellationToken: Ct);
        Assert.Equal(result.Value[0].ToFloats().ToArray(), again.Value.ToFloats().ToArray()); // deterministic
    }

    [Fact]
    public async Task A_chat_model_asked_for_embeddings_answers_with_the_engines_error()
    {
        var client = fx.OpenAi(await fx.NewKeyAsync()).GetEmbeddingClient(GatewayFixture.SglangModel);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.GenerateEmbeddingAsync("hello", cancellationToken: Ct));

        Assert.Equal(400, error.Status);
        Assert.Contains("--is-embedding", error.Message);
    }
}
