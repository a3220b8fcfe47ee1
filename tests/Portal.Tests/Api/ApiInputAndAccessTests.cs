using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Security;
using Portal.Services;
using Portal.TestSupport;

namespace Portal.Tests.Api;

/// <summary>Bad input gets 400 with field errors and creates nothing; keys carry their owner's role.</summary>
public sealed class ApiInputAndAccessTests(ApiInputAndAccessTests.Fixture env) : IClassFixture<ApiInputAndAccessTests.Fixture>
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    public static TheoryData<string, string> BadSpecs => new()
    {
        { """{"name":"Qwen_Chat","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","replicas":1,"gpusPerReplica":1}""", "name" },
        { """{"name":"qwen","namespace":"default","framework":"tgi","model":"Qwen/Qwen2.5-7B-Instruct","replicas":1,"gpusPerReplica":1}""", "framework" },
        { """{"name":"qwen","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","replicas":1,"gpusPerReplica":0}""", "gpusPerReplica" },
        { """{"name":"qwen","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","replicas":1,"gpusPerReplica":10000}""", "gpusPerReplica" },
        { """{"name":"qwen","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","replicas":1,"gpusPerReplica":1,"extraArgs":["--max-num-seqs","8","--port","9000"]}""", "extraArgs[2]" },
        { """{"name":"qwen","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","replicas":"two","gpusPerReplica":1}""", "replicas" },
        { """{"name":"qwen","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","replicas":1,"gpusPerReplica":1,"serviceType":"Ingress"}""", "serviceType" },
        { """{"name":"qwen","namespace":"kube-system","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","replicas":1,"gpusPerReplica":1}""", "namespace" },
        { """not json""", "body" },
        { """{"name":"qwen","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","gpusPerReplica":1,"autoscaling":{"mode":"Keda","minReplicas":4,"maxReplicas":2}}""", "autoscaling.minReplicas" },
        { """{"name":"qwen","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","gpusPerReplica":1,"autoscaling":{"mode":"Hpa","target":0}}""", "autoscaling.target" },
        { """{"name":"qwen","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","gpusPerReplica":1,"autoscaling":{"mode":"Hpa","minReplicas":0}}""", "autoscaling.minReplicas" },
        { """{"name":"qwen","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","gpusPerReplica":1,"autoscaling":{"mode":"Keda","metric":"vibes"}}""", "autoscaling.metric" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task Bad_input_gets_400_with_the_field_named_and_creates_nothing(string body, string field)
    {
        using var api = env.Cluster.ApiClient();
        var before = await DeploymentNamesAsync(api);

        var response = await api.PostAsync("/api/v1/deployments", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"no error for '{field}' in {errors}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        Assert.Equal(before, await DeploymentNamesAsync(api));
    }

    [Fact]
    public async Task A_5_MB_body_gets_400_and_creates_nothing()
    {
        using var api = env.Cluster.ApiClient();
        var before = await DeploymentNamesAsync(api);
        var huge = $$"""{"name":"big","namespace":"default","framework":"vllm","model":"Qwen/Qwen2.5-7B-Instruct","extraArgs":["{{new string('a', 5 * 1024 * 1024)}}"]}""";

        var response = await api.PostAsync("/api/v1/deployments", new StringContent(huge, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("larger than", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(before, await DeploymentNamesAsync(api));
    }

    /// <summary>What exists now; other tests of the class may be deploying or deleting their own deployments meanwhile.</summary>
    private static async Task<string[]> DeploymentNamesAsync(HttpClient api) =>
        ((await api.GetFromJsonAsync<List<JsonElement>>("/api/v1/deployments", Ct)) ?? [])
            .Select(d => d.GetProperty("name").GetString()!)
            .Where(n => n != "keyed")
            .Order()
            .ToArray();

    [Fact]
    public async Task Keys_act_with_their_owners_role_and_revoked_or_missing_keys_get_401()
    {
        var operatorKey = await env.KeyForAsync("operator@portal.test", PortalRoles.Operator);
        var viewerKey = await env.KeyForAsync("viewer@portal.test", PortalRoles.Viewer);
        var spec = new { name = "keyed", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 1, gpusPerReplica = 1 };

        using var asViewer = env.Cluster.ApiClient(viewerKey.Key);
        Assert.Equal(HttpStatusCode.OK, (await asViewer.GetAsync("/api/v1/deployments", Ct)).StatusCode);
        var viewerPost = await asViewer.PostAsJsonAsync("/api/v1/deployments", spec, Ct);
        Assert.True(viewerPost.StatusCode == HttpStatusCode.Forbidden, await viewerPost.Content.ReadAsStringAsync(Ct));

        using var anonymous = env.Cluster.ApiClient(apiKey: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/deployments", Ct)).StatusCode);
        using var forged = env.Cluster.ApiClient("ipk_not-a-key-the-portal-ever-issued");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/v1/deployments", Ct)).StatusCode);

        using var asOperator = env.Cluster.ApiClient(operatorKey.Key);
        Assert.Equal(HttpStatusCode.Accepted, (await asOperator.PostAsJsonAsync("/api/v1/deployments", spec, Ct)).StatusCode);
        var operations = await asOperator.GetStringAsync("/api/v1/deployments/keyed/operations", Ct);
        Assert.Contains("operator@portal.test (api key", operations);
        await asOperator.DeleteAsync("/api/v1/deployments/keyed", Ct);

        Assert.Equal(HttpStatusCode.NoContent, (await asOperator.DeleteAsync($"/api/v1/keys/{operatorKey.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await asOperator.GetAsync("/api/v1/deployments", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_deployments_api()
    {
        using var api = env.Cluster.ApiClient();

        using var document = JsonDocument.Parse(await api.GetStringAsync("/openapi/v1.json", Ct));

        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/deployments", out var deployments));
        Assert.True(deployments.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/api/v1/deployments/{name}/scale", out _));
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/reference/", Ct)).StatusCode);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public PortalOnSimulator Cluster { get; private set; } = default!;

        public async ValueTask InitializeAsync() => Cluster = await PortalOnSimulator.StartAsync();

        public async Task<CreatedApiKey> KeyForAsync(string email, string role)
        {
            await using var scope = Cluster.Portal.Services.CreateAsyncScope();
            var users = scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>();
            await users.CreateAsync(email, "Some-pass-1", role);
            var user = (await users.ListAsync(CancellationToken.None)).Single(u => u.Email == email);
            return await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(user.Id, "test", CancellationToken.None);
        }

        public ValueTask DisposeAsync() => Cluster.DisposeAsync();
    }
}
