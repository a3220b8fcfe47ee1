using System.Net;
using System.Net.Http.Json;
using k8s;
using k8s.Models;
using Portal.Domain.Manifests;
using Portal.TestSupport;

namespace Portal.Tests.Api;

/// <summary>
/// The deployment lifecycle through the REST API against the simulated cluster: the database and the cluster agree after
/// every step. The same tests run on each database the portal supports (<see cref="SqliteDeploymentApiTests"/>,
/// <see cref="PostgreSqlDeploymentApiTests"/>).
/// </summary>
public abstract class DeploymentApiTests : IAsyncLifetime
{
    private PortalOnSimulator _env = default!;
    private HttpClient _api = default!;
    private IKubernetes _cluster = default!;

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    /// <summary>The settings that put the portal on the database under test (none: the SQLite default).</summary>
    protected abstract Task<IDictionary<string, string?>> DatabaseSettingsAsync();

    public async ValueTask InitializeAsync()
    {
        _env = await PortalOnSimulator.StartAsync(settings: await DatabaseSettingsAsync(), cancellationToken: Ct);
        _api = _env.ApiClient();
        _cluster = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_env.Cluster.KubeconfigPath));
    }

    [Theory]
    [InlineData("vllm", "Qwen/Qwen2.5-0.5B-Instruct")]
    [InlineData("sglang", "Qwen/Qwen2.5-0.5B-Instruct")]
    [InlineData("ollama", "qwen2.5:0.5b")]
    public async Task Each_framework_deploys_to_ready_with_labelled_objects_matching_the_manifests_endpoint(string framework, string model)
    {
        var name = $"{framework}-chat";
        var created = await _api.PostAsJsonAsync("/api/v1/deployments",
            new { name, @namespace = "default", framework, model, replicas = 1, gpusPerReplica = 1 }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        Assert.Equal($"/api/v1/deployments/{name}", created.Headers.Location!.OriginalString);

        var ready = await _env.WaitForDeploymentAsync(name, d => d.State == "ready", cancellationToken: Ct);
        Assert.Equal(1, ready.ReadyReplicas);
        if (framework == "ollama")
        {
            Assert.Equal(100, ready.PullPercent); // Ready only once the model is pulled
        }

        var set = await _cluster.AppsV1.ReadNamespacedStatefulSetAsync(name, "default", cancellationToken: Ct);
        var service = await _cluster.CoreV1.ReadNamespacedServiceAsync(name, "default", cancellationToken: Ct);
        foreach (var labels in new[] { set.Metadata.Labels, service.Metadata.Labels, set.Spec.Template.Metadata.Labels })
        {
            Assert.Equal(PortalLabels.ManagedByValue, labels[PortalLabels.ManagedBy]);
            Assert.Equal(name, labels[PortalLabels.Instance]);
            Assert.Equal(framework, labels[PortalLabels.Framework]);
            Assert.Equal(PortalLabels.ComponentValue, labels[PortalLabels.Component]);
        }

        var yaml = await _api.GetStringAsync($"/api/v1/deployments/{name}/manifests", Ct);
        var rendered = ManifestYaml.Deserialize(yaml);
        var renderedSet = Assert.Single(rendered.OfType<V1StatefulSet>());
        var renderedContainer = renderedSet.Spec.Template.Spec.Containers.Single();
        var liveContainer = set.Spec.Template.Spec.Containers.Single();
        Assert.Equal(renderedContainer.Image, liveContainer.Image);
        Assert.Equal(renderedContainer.Command ?? [], liveContainer.Command ?? []);
        Assert.Equal(renderedContainer.Args ?? [], liveContainer.Args ?? []);
        Assert.Equal(renderedSet.Spec.Replicas, set.Spec.Replicas);
        Assert.Equal(Assert.Single(rendered.OfType<V1Service>()).Spec.Ports.Single().Port, service.Spec.Ports.Single().Port);
    }

    [Fact]
    public async Task Scale_stop_start_and_delete_keep_the_cluster_and_the_database_in_agreement()
    {
        const string name = "lifecycle";
        await _api.PostAsJsonAsync("/api/v1/deployments",
            new { name, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct);
        await _env.WaitForDeploymentAsync(name, d => d.State == "ready", cancellationToken: Ct);

        foreach (var replicas in new[] { 3, 1 })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await _api.PostAsJsonAsync($"/api/v1/deployments/{name}/scale", new { replicas }, Ct)).StatusCode);
            var scaled = await _env.WaitForDeploymentAsync(name, d => d.State == "ready" && d.ReadyReplicas == replicas, cancellationToken: Ct);
            Assert.Equal(replicas, scaled.DesiredReplicas);
            await AssertPodsAsync(name, replicas);
        }

        Assert.Equal(HttpStatusCode.Accepted, (await _api.PostAsync($"/api/v1/deployments/{name}/stop", null, Ct)).StatusCode);
        var stopped = await _env.WaitForDeploymentAsync(name, d => d.State == "stopped", cancellationToken: Ct);
        Assert.Equal(0, stopped.ReadyReplicas);
        await AssertPodsAsync(name, 0);
        Assert.Equal(0, (await _cluster.AppsV1.ReadNamespacedStatefulSetAsync(name, "default", cancellationToken: Ct)).Spec.Replicas);
        Assert.Contains($"model-cache-{name}-0", await ClaimNamesAsync());

        Assert.Equal(HttpStatusCode.Accepted, (await _api.PostAsync($"/api/v1/deployments/{name}/start", null, Ct)).StatusCode);
        await _env.WaitForDeploymentAsync(name, d => d.State == "ready" && d.ReadyReplicas == 1, cancellationToken: Ct);
        await AssertPodsAsync(name, 1);

        Assert.Equal(HttpStatusCode.Accepted, (await _api.DeleteAsync($"/api/v1/deployments/{name}", Ct)).StatusCode);
        await WaitUntilAsync(async () => (await _api.GetAsync($"/api/v1/deployments/{name}", Ct)).StatusCode == HttpStatusCode.NotFound);
        Assert.Empty((await _cluster.AppsV1.ListNamespacedStatefulSetAsync("default", fieldSelector: $"metadata.name={name}", cancellationToken: Ct)).Items);
        Assert.Empty((await _cluster.CoreV1.ListNamespacedServiceAsync("default", fieldSelector: $"metadata.name={name}", cancellationToken: Ct)).Items);
        await AssertPodsAsync(name, 0);
        Assert.Contains($"model-cache-{name}-0", await ClaimNamesAsync()); // kept by default

        // The delete job removes the row before it records its own outcome: wait for that last write.
        List<OperationRow>? operations = null;
        await WaitUntilAsync(async () =>
        {
            operations = await _api.GetFromJsonAsync<List<OperationRow>>($"/api/v1/deployments/{name}/operations", Ct);
            return operations!.All(o => o.Outcome is not ("running" or "pending"));
        });
        Assert.Equal(["delete", "start", "stop", "scale", "scale", "deploy"], operations!.Select(o => o.Kind).ToArray());
        Assert.All(operations!, o => Assert.Equal("succeeded", o.Outcome));
    }

    [Fact]
    public async Task Deleting_with_the_model_cache_removes_its_volume_claims_and_the_stored_token()
    {
        const string name = "with-cache";
        await _cluster.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{name}-hf-token",
                Labels = new Dictionary<string, string> { [PortalLabels.ManagedBy] = PortalLabels.ManagedByValue, [PortalLabels.Instance] = name },
            },
            StringData = new Dictionary<string, string> { ["token"] = "hf_test" },
        }, "default", cancellationToken: Ct);
        await _api.PostAsJsonAsync("/api/v1/deployments",
            new { name, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 2, gpusPerReplica = 1, huggingFaceTokenSecret = $"{name}-hf-token" }, Ct);
        await _env.WaitForDeploymentAsync(name, d => d.State == "ready", cancellationToken: Ct);
        Assert.Equal(2, (await ClaimNamesAsync()).Count(c => c.StartsWith($"model-cache-{name}-", StringComparison.Ordinal)));

        await _api.DeleteAsync($"/api/v1/deployments/{name}?deleteModelCache=true", Ct);

        await WaitUntilAsync(async () => !(await ClaimNamesAsync()).Any(c => c.StartsWith($"model-cache-{name}-", StringComparison.Ordinal)));
        var secrets = await _cluster.CoreV1.ListNamespacedSecretAsync("default", cancellationToken: Ct);
        Assert.DoesNotContain(secrets.Items, s => s.Metadata.Name == $"{name}-hf-token"); // the token the portal stored goes too
    }

    [Fact]
    public async Task Put_with_a_stale_etag_is_refused_and_changes_nothing()
    {
        const string name = "etag";
        var created = await _api.PostAsJsonAsync("/api/v1/deployments",
            new { name, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct);
        var firstETag = created.Headers.ETag!.Tag;

        var update = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/deployments/{name}")
        {
            Content = JsonContent.Create(new { name, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 2, gpusPerReplica = 1 }),
        };
        update.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(firstETag));
        Assert.Equal(HttpStatusCode.Accepted, (await _api.SendAsync(update, Ct)).StatusCode);

        var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/deployments/{name}")
        {
            Content = JsonContent.Create(new { name, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 4, gpusPerReplica = 1 }),
        };
        stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(firstETag));
        var refused = await _api.SendAsync(stale, Ct);

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        var current = await _env.WaitForDeploymentAsync(name, _ => true, cancellationToken: Ct);
        Assert.Equal(2, current.Replicas);
        Assert.Equal(2, current.Revision);
    }

    [Fact]
    public async Task Objects_deleted_or_changed_outside_the_portal_are_reapplied_or_reported_by_policy()
    {
        await _api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "healed", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct);
        await _api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "watched", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-7B-Instruct", replicas = 1, gpusPerReplica = 1, driftPolicy = "report" }, Ct);
        await _env.WaitForDeploymentAsync("healed", d => d.State == "ready", cancellationToken: Ct);
        await _env.WaitForDeploymentAsync("watched", d => d.State == "ready", cancellationToken: Ct);

        await _cluster.CoreV1.DeleteNamespacedServiceAsync("healed", "default", cancellationToken: Ct);
        await _cluster.AppsV1.PatchNamespacedStatefulSetScaleAsync(
            new V1Patch(new { spec = new { replicas = 2 } }, V1Patch.PatchType.MergePatch), "watched", "default", cancellationToken: Ct);

        await WaitUntilAsync(async () =>
            (await _cluster.CoreV1.ListNamespacedServiceAsync("default", fieldSelector: "metadata.name=healed", cancellationToken: Ct)).Items.Count == 1);
        var reported = await _env.WaitForDeploymentAsync("watched", d => d.Drift is not null, cancellationToken: Ct);
        Assert.Equal("the StatefulSet has 2 replicas, the portal wants 1", reported.Drift);
        Assert.Equal(2, (await _cluster.AppsV1.ReadNamespacedStatefulSetAsync("watched", "default", cancellationToken: Ct)).Spec.Replicas);
        await WaitUntilAsync(async () =>
        {
            var healedLog = await _api.GetFromJsonAsync<List<OperationRow>>("/api/v1/deployments/healed/operations", Ct);
            return healedLog!.Any(o => o.Kind == "reconcile" && o.Reason!.Contains("the Service is missing", StringComparison.Ordinal) && o.Outcome == "succeeded");
        });
    }

    private async Task AssertPodsAsync(string name, int expected) =>
        await WaitUntilAsync(async () =>
        {
            var pods = await _cluster.CoreV1.ListNamespacedPodAsync("default", labelSelector: PortalLabels.SelectorFor(name), cancellationToken: Ct);
            return pods.Items.Count(p => p.Metadata.DeletionTimestamp is null) == expected;
        });

    private async Task<List<string>> ClaimNamesAsync() =>
        (await _cluster.CoreV1.ListNamespacedPersistentVolumeClaimAsync("default", cancellationToken: Ct)).Items.Select(c => c.Metadata.Name).ToList();

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(100, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        _cluster.Dispose();
        await _env.DisposeAsync();
    }

    private sealed record OperationRow(string Kind, string Outcome, int Attempts, string? Message, string? Reason);
}

public sealed class SqliteDeploymentApiTests : DeploymentApiTests
{
    protected override Task<IDictionary<string, string?>> DatabaseSettingsAsync() => Task.FromResult<IDictionary<string, string?>>(new Dictionary<string, string?>());
}

/// <summary>On PostgreSQL, with jobs in Hangfire.PostgreSql and the advisory work locks, as a scale-out replica runs.</summary>
public sealed class PostgreSqlDeploymentApiTests(PostgreSqlServer postgres) : DeploymentApiTests, IClassFixture<PostgreSqlServer>
{
    protected override async Task<IDictionary<string, string?>> DatabaseSettingsAsync() => new Dictionary<string, string?>
    {
        ["Database:Provider"] = "PostgreSql",
        ["ConnectionStrings:Portal"] = await postgres.CreateDatabaseAsync(cancellationToken: Xunit.TestContext.Current.CancellationToken),
        ["Hangfire:QueuePollInterval"] = "00:00:00.200",
    };
}
