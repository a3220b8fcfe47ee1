using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI.Chat;

namespace Portal.Tests.Gateway;

/// <summary>The official OpenAI .NET SDK against the gateway over real HTTP, with simulated engines behind it.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayOpenAiSdkTests(GatewayFixture fx)
{
    private static CancellationToken Ct => GatewayFixture.Ct;

    [Fact]
    public async Task Lists_the_served_names_of_ready_deployments_as_models()
    {
        var client = fx.OpenAi(await fx.NewKeyAsync()).GetOpenAIModelClient();

        var models = (await client.GetModelsAsync(Ct)).Value;

        Assert.Equal(
            new[]
            {
                GatewayFixture.OllamaModel, GatewayFixture.SglangModel, GatewayFixture.VllmModel,
                GatewayFixture.OllamaEmbedModel, GatewayFixture.SglangEmbedModel, GatewayFixture.VllmEmbedModel,
            }.Order(StringComparer.Ordinal),
            models.Select(m => m.Id).Order(StringComparer.Ordinal));
        Assert.All(models, m => Assert.Equal("inference-portal", m.OwnedBy));
        var one = (await client.GetModelAsync(GatewayFixture.VllmModel, Ct)).Value;
        Assert.Equal(GatewayFixture.VllmModel, one.Id);
    }

    [Theory]
    [InlineData(GatewayFixture.VllmModel, "chat-vllm")]
    [InlineData(GatewayFixture.SglangModel, "chat-sglang")]
    [InlineData(GatewayFixture.OllamaModel, "chat-ollama")]
    public async Task Chats_without_and_with_streaming_through_each_framework(string model, string deployment)
    {
        var chat = fx.OpenAi(await fx.NewKeyAsync()).GetChatClient(model);
        List<ChatMessage> messages = [new SystemChatMessage("You are terse."), new UserChatMessage("Say hello to the gateway test.")];
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 12 };

        var result = await chat.CompleteChatAsync(messages, options, Ct);
        var completion = result.Value;
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 12);
        Assert.Equal(model, completion.Model);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-portal-deployment", out var servedBy));
        Assert.Equal(deployment, servedBy);

        var text = new StringBuilder();
        var updates = 0;
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options, Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            updates++;
            finish ??= update.FinishReason;
        }

        Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
        Assert.True(updates >= 3, $"only {updates} streamed updates");
        Assert.NotNull(finish);
    }

    [Fact]
    public async Task An_unknown_model_is_404_in_OpenAIs_error_shape()
    {
        var key = await fx.NewKeyAsync();
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            fx.OpenAi(key).GetChatClient("no-such-model").CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));
        Assert.Equal(404, error.Status);

        using var http = fx.Http(key);
        var response = await http.PostAsJsonAsync("/v1/chat/completions", new { model = "no-such-model", messages = new[] { new { role = "user", content = "hi" } } }, Ct);
        var body = await ErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("model_not_found", (string?)body["code"]);
        Assert.Equal("invalid_request_error", (string?)body["type"]);
        Assert.Equal("model", (string?)body["param"]);
        Assert.Contains("no-such-model", (string?)body["message"]);
    }

    [Fact]
    public async Task No_key_or_a_wrong_key_is_401()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            fx.OpenAi("ipk_this-key-was-never-issued-0000000000").GetChatClient(GatewayFixture.VllmModel).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct));
        Assert.Equal(401, error.Status);

        using var anonymous = fx.Http(key: null);
        var body = await ErrorAsync(await anonymous.GetAsync("/v1/models", Ct), HttpStatusCode.Unauthorized);
        Assert.Contains("didn't provide an API key", (string?)body["message"]);

        using var wrong = fx.Http("ipk_this-key-was-never-issued-0000000000");
        var chat = await wrong.PostAsJsonAsync("/v1/chat/completions", new { model = GatewayFixture.VllmModel, messages = new[] { new { role = "user", content = "hi" } } }, Ct);
        Assert.Equal("invalid_api_key", (string?)(await ErrorAsync(chat, HttpStatusCode.Unauthorized))["code"]);
    }

    [Fact]
    public async Task A_key_over_its_requests_per_minute_gets_429_with_retry_after_while_other_keys_go_on()
    {
        var key = await fx.NewKeyAsync("busy program");
        var chat = fx.OpenAi(key).GetChatClient(GatewayFixture.VllmModel);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 1 };
        for (var i = 0; i < GatewayFixture.RateLimit; i++)
        {
            await chat.CompleteChatAsync([new UserChatMessage($"request {i}")], options, Ct);
        }

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("one too many")], options, Ct));
        Assert.Equal(429, error.Status);
        var raw = error.GetRawResponse()!;
        Assert.True(raw.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.InRange(int.Parse(retryAfter!, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Contains("rate_limit_exceeded", raw.Content.ToString());

        var other = await fx.OpenAi(await fx.NewKeyAsync("another program")).GetChatClient(GatewayFixture.VllmModel)
            .CompleteChatAsync([new UserChatMessage("not limited")], options, Ct);
        Assert.NotEmpty(other.Value.Content);
    }

    [Fact]
    public async Task A_malformed_body_is_400_and_an_oversized_one_413()
    {
        using var http = fx.Http(await fx.NewKeyAsync());

        var notJson = await http.PostAsync("/v1/chat/completions", new StringContent("{\"model\": \"qwen-vllm\", \"messages\": [", Encoding.UTF8, "application/json"), Ct);
        Assert.Contains("could not parse the JSON body", (string?)(await ErrorAsync(notJson, HttpStatusCode.BadRequest))["message"]);

        var noModel = await http.PostAsJsonAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } }, Ct);
        var noModelError = await ErrorAsync(noModel, HttpStatusCode.BadRequest);
        Assert.Equal("model", (string?)noModelError["param"]);

        var huge = new string('x', GatewayFixture.MaxBodyBytes + 1);
        var tooLarge = await http.PostAsJsonAsync("/v1/chat/completions", new { model = GatewayFixture.VllmModel, messages = new[] { new { role = "user", content = huge } } }, Ct);
        Assert.Equal("request_too_large", (string?)(await ErrorAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge))["code"]);

        var unknownPath = await http.PostAsJsonAsync("/v1/images/generations", new { model = GatewayFixture.VllmModel }, Ct);
        Assert.Contains("Invalid URL", (string?)(await ErrorAsync(unknownPath, HttpStatusCode.NotFound))["message"]);
    }

    [Fact]
    public async Task A_known_model_without_a_ready_replica_is_503()
    {
        using var api = fx.Env.ApiClient();
        var created = await api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "chat-stopped", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", servedModelName = "qwen-stopped", replicas = 1, gpusPerReplica = 1 }, Ct);
        created.EnsureSuccessStatusCode();
        (await api.PostAsync("/api/v1/deployments/chat-stopped/stop", null, Ct)).EnsureSuccessStatusCode();
        await fx.Env.WaitForDeploymentAsync("chat-stopped", d => d.DesiredState == "stopped", cancellationToken: Ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!fx.Routes.Current.ByDeployment.TryGetValue("chat-stopped", out var route) || route.IsServing)
        {
            Assert.True(DateTime.UtcNow < deadline, "the gateway never learned of the stopped deployment");
            await Task.Delay(50, Ct);
        }

        using var http = fx.Http(await fx.NewKeyAsync());
        var response = await http.PostAsJsonAsync("/v1/chat/completions", new { model = "qwen-stopped", messages = new[] { new { role = "user", content = "hi" } } }, Ct);
        var body = await ErrorAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("model_not_ready", (string?)body["code"]);
        Assert.Contains("chat-stopped", (string?)body["message"]);

        var models = await http.GetFromJsonAsync<JsonObject>("/v1/models", Ct);
        Assert.DoesNotContain("qwen-stopped", models!["data"]!.AsArray().Select(m => (string?)m!["id"]));
    }

    internal static async Task<JsonObject> ErrorAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        var error = Assert.IsType<JsonObject>(body!["error"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)error["type"]));
        Assert.True(error.ContainsKey("code") && error.ContainsKey("param"));
        return error;
    }
}
