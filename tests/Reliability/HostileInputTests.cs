using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Persistence;
using Portal.Reliability.Support;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>
/// Hostile input, as figures: 1,000 generated invalid specs each get a field-level 400 and leave nothing behind
/// (no stored deployment, no job, no manifest, no cluster object); gateway bodies that are malformed, oversized,
/// deeply nested or name a path as the model get OpenAI-shaped 400/413s, and the portal keeps serving.
/// </summary>
public sealed class HostileInputTests
{
    private const int Specs = 1000;
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_thousand_generated_invalid_specs_get_field_level_400s_and_create_nothing()
    {
        await using var env = await PortalOnSimulator.StartAsync(cancellationToken: Ct);
        using var objects = new ClusterObjects(env.Cluster);
        using var api = env.ApiClient();
        var before = await objects.CountAsync(["default", "models"], Ct);
        var tried = 0;
        var kinds = new ConcurrentDictionary<string, int>();
        var wrong = new ConcurrentQueue<string>();

        await HostileSpecs.All.SampleAsync(async spec =>
        {
            Interlocked.Increment(ref tried);
            kinds.AddOrUpdate(spec.Kind, 1, (_, n) => n + 1);
            using var content = new StringContent(spec.Json, Encoding.UTF8, "application/json");
            using var response = await api.PostAsync("/api/v1/deployments", content, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? ErrorKeys(text) : null;
            if (response.StatusCode != HttpStatusCode.BadRequest || problem is null || !problem.Any(k => Names(k, spec.Field)))
            {
                var line = $"{(int)response.StatusCode} {(problem is null ? text[..Math.Min(text.Length, 300)] : string.Join(", ", problem))} for {spec}";
                wrong.Enqueue(line);
            }
        }, iter: Specs, threads: 2, seed: "0N0XIzNsQ0O2");

        var stored = await api.GetFromJsonAsync<JsonElement[]>("/api/v1/deployments", Ct);
        var dbFactory = env.Portal.Services.GetRequiredService<IDbContextFactory<PortalDb>>();
        await using var db = await dbFactory.CreateDbContextAsync(Ct);
        var operations = await db.Operations.CountAsync(Ct);
        var monitor = env.Portal.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var deploymentJobs = monitor.SucceededJobs(0, 10_000).Select(j => j.Value.Job)
            .Concat(monitor.FailedJobs(0, 10_000).Select(j => j.Value.Job))
            .Concat(monitor.ProcessingJobs(0, 10_000).Select(j => j.Value.Job))
            .Concat(monitor.EnqueuedJobs("default", 0, 10_000).Select(j => j.Value.Job))
            .Count(j => j?.Type.Name == "DeploymentJobs");
        var after = await objects.CountAsync(["default", "models"], Ct);
        var created = after.Total - before.Total;
        Figures.Print("hostile specs", $"{tried} generated invalid specs ({string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Value} {k.Key}"))}): " +
            $"{tried - wrong.Count} field-level 400s, {wrong.Count} wrong answers, {stored!.Length} stored, {operations} operations, {deploymentJobs} jobs, {created} cluster objects");

        Assert.Equal(Specs, tried);
        Assert.True(wrong.IsEmpty, string.Join("\n", wrong.Take(30)));
        Assert.Empty(stored);
        Assert.Equal(0, operations);
        Assert.Equal(0, deploymentJobs);
        Assert.Equal(0, created);
    }

    [Fact]
    public async Task Malformed_oversized_nested_and_traversing_gateway_bodies_get_openai_shaped_errors_and_the_portal_stays_up()
    {
        await using var env = await PortalOnSimulator.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:MaxBodyBytes"] = "65536" }, cancellationToken: Ct);
        using var api = env.ApiClient();
        (await api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "target", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", servedModelName = "target", replicas = 1, gpusPerReplica = 1 }, Ct))
            .EnsureSuccessStatusCode();
        await env.WaitForDeploymentAsync("target", d => d.State == "ready", TimeSpan.FromSeconds(60), Ct);

        var bodies = new List<(string Kind, byte[] Body, HttpStatusCode Expected)>();
        void Add(string kind, string body, HttpStatusCode expected = HttpStatusCode.BadRequest) => bodies.Add((kind, Encoding.UTF8.GetBytes(body), expected));
        foreach (var malformed in new[]
                 {
                     "", "{", "}", "[]", "[1,2]", "\"target\"", "null", "42", "{\"model\":}", "{\"model\":\"target\",}", "{\"model\":\"target\"}{\"model\":\"x\"}",
                     "{'model':'target'}", "{\"model\":\"target\" /* c */}", "{\"model\":NaN}", "{\"model\":\"target\",\"stream\":\"yes\"}", "{\"model\":[\"target\"]}",
                     "{\"model\":null}", "{\"messages\":[]}", "\uFEFF{\"model\":\"target\"", "{\"model\":\"tar\\uD800get\"", "{\"model\":\"target\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]",
                 })
        {
            Add("malformed", malformed);
        }

        bodies.Add(("invalid UTF-8", [.. "{\"model\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8], HttpStatusCode.BadRequest));
        foreach (var depth in new[] { 65, 1000, 5000 })
        {
            Add("deeply nested", $"{{\"model\":\"target\",\"messages\":{new string('[', depth)}{new string(']', depth)}}}");
            Add("deeply nested", $"{{\"model\":\"target\",\"x\":{string.Concat(Enumerable.Repeat("{\"a\":", depth))}1{new string('}', depth)}}}");
        }

        foreach (var model in new[] { "../../etc/passwd", "..%2F..%2Fadmin", "/v1/../api/v1/keys", "target/../../x", "target\u0000", "tar get", "\u202Etarget", new string('a', 5000), "..\\..\\windows" })
        {
            Add("path traversal model", JsonSerializer.Serialize(new { model, messages = new[] { new { role = "user", content = "hi" } } }));
        }

        Add("oversized", JsonSerializer.Serialize(new { model = "target", messages = new[] { new { role = "user", content = new string('x', 70_000) } } }), HttpStatusCode.RequestEntityTooLarge);
        Add("oversized", "{\"model\":\"target\",\"pad\":\"" + new string('y', 2_000_000) + "\"}", HttpStatusCode.RequestEntityTooLarge);

        var wrong = new List<string>();
        foreach (var (kind, body, expected) in bodies)
        {
            foreach (var path in new[] { "/v1/chat/completions", "/v1/completions", "/v1/embeddings" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                // As curl does for large uploads: a server that refuses the body answers before it is sent.
                request.Headers.ExpectContinue = body.Length > 1024 * 1024;
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortalOnSimulator.AdminApiKey);
                HttpResponseMessage response;
                try
                {
                    // The server closes a connection whose body it refused: an oversized upload gets a connection of its own.
                    using var own = body.Length > 65536 ? env.ApiClient() : null;
                    response = await (own ?? api).SendAsync(request, Ct);
                }
                catch (HttpRequestException e)
                {
                    wrong.Add($"{kind} {path}: {e.Message} {e.InnerException?.Message}");
                    continue;
                }

                using var answered = response;
                var text = await response.Content.ReadAsStringAsync(Ct);
                if (response.StatusCode != expected || !IsOpenAiError(text))
                {
                    wrong.Add($"{kind} {path}: {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]} (body {Encoding.UTF8.GetString(body)[..Math.Min(80, body.Length)]})");
                }
            }
        }

        // A body sent in chunks with no Content-Length, larger than the limit.
        using (var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new ChunkedContent(100_000) })
        {
            chunked.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PortalOnSimulator.AdminApiKey);
            using var response = await api.SendAsync(chunked, Ct);
            if (response.StatusCode != HttpStatusCode.RequestEntityTooLarge || !IsOpenAiError(await response.Content.ReadAsStringAsync(Ct)))
            {
                wrong.Add($"chunked oversized: {(int)response.StatusCode}");
            }
        }

        using var health = await api.GetAsync("/healthz", Ct);
        using var chat = await api.PostAsJsonAsync("/v1/chat/completions", new { model = "target", max_tokens = 5, messages = new[] { new { role = "user", content = "still there?" } } }, Ct);
        var tried = (bodies.Count * 3) + 1;
        Figures.Print("hostile gateway", $"{tried} hostile gateway requests ({bodies.Count(b => b.Kind == "malformed") * 3} malformed, {bodies.Count(b => b.Kind == "deeply nested") * 3} nested, " +
            $"{bodies.Count(b => b.Kind == "path traversal model") * 3} path models, {(bodies.Count(b => b.Kind == "oversized") * 3) + 1} oversized): {tried - wrong.Count} OpenAI-shaped 400/413s, {wrong.Count} wrong; " +
            $"afterwards /healthz {(int)health.StatusCode}, a chat {(int)chat.StatusCode}");

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
    }

    private static bool Names(string key, string field) =>
        key == field || key.StartsWith(field + ".", StringComparison.Ordinal) || key.StartsWith(field + "[", StringComparison.Ordinal);

    private static IReadOnlyList<string>? ErrorKeys(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
                ? errors.EnumerateObject().Select(p => p.Name).ToList()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsOpenAiError(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("error", out var error)
                   && error.TryGetProperty("message", out var message) && message.GetString()?.Length > 0
                   && error.TryGetProperty("type", out var type) && type.GetString() == "invalid_request_error";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A body of <paramref name="bytes"/> bytes streamed without a length.</summary>
    private sealed class ChunkedContent(int bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("{\"model\":\"target\",\"pad\":\""u8.ToArray());
            var chunk = Encoding.ASCII.GetBytes(new string('z', 1000));
            for (var sent = 0; sent < bytes; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk);
                await stream.FlushAsync();
            }

            await stream.WriteAsync("\"}"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
