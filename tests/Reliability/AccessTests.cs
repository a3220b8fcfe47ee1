using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Application.Deployments;
using Portal.Application.Security;
using Portal.Domain.Deployments;
using Portal.Reliability.Support;
using Portal.Services;
using Portal.Services.Deployments;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>
/// Who may see and do what, crawled rather than listed: every mapped route without a session, every mutating route
/// and page action as a Viewer, and API keys whose owner is deleted or that are revoked.
/// </summary>
public sealed class AccessTests
{
    private const string Victim = "victim-deployment";
    private const string ViewerEmail = "viewer@portal.test";
    private const string OperatorEmail = "operator@portal.test";
    private const string Password = "Viewer-pass-1";

    /// <summary>Mutating routes every signed-in user may call, and why; any other mutating route must refuse a Viewer.</summary>
    private static readonly Dictionary<string, string> OpenToEveryUser = new()
    {
        ["POST /api/v1/keys"] = "everyone creates their own API keys",
        ["DELETE /api/v1/keys/{id:guid}"] = "everyone revokes their own keys (someone else's: 404)",
        ["POST /api/v1/benchmarks/recommendation"] = "a recommendation computed from stored runs: it reads, changes nothing (Viewers read benchmarks)",
        ["POST /account/logout"] = "signing out",
    };

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_route_refuses_anonymous_callers_and_viewers_change_nothing()
    {
        await using var env = await PortalOnSimulator.StartAsync(cancellationToken: Ct);
        using var admin = env.ApiClient();
        (await admin.PostAsJsonAsync("/api/v1/deployments",
            new { name = Victim, @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", servedModelName = "victim-model", replicas = 1, gpusPerReplica = 1 }, Ct))
            .EnsureSuccessStatusCode();
        var viewerKey = await CreateUserWithKeyAsync(env, ViewerEmail, PortalRoles.Viewer);
        var adminKeyId = (await admin.GetFromJsonAsync<JsonElement[]>("/api/v1/keys", Ct))!
            .First(k => k.GetProperty("ownerEmail").GetString() == PortalAppFactory.AdminEmail).GetProperty("id").GetString()!;
        var before = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/deployments/{Victim}", Ct);

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["name"] = Victim, ["id"] = adminKeyId, ["model"] = "victim-model", ["documentName"] = "v1", ["path"] = "jobs/enqueued",
        };
        var probes = Endpoints.Of(env.Portal.Services, values);

        // 1. Anonymous: sign-in redirect or 401 everywhere but the routes that are public by design.
        using var anonymous = PortalHttp.NewClient(env.Portal.BaseAddress);
        var leaks = new List<string>();
        var publicRoutes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var probe in probes)
        {
            using var response = await SendAsync(anonymous, probe);
            var body = await response.Content.ReadAsStringAsync(Ct);
            var status = (int)response.StatusCode;
            var toSignIn = status == 302 && response.Headers.Location?.OriginalString.Contains("account/login", StringComparison.Ordinal) == true;
            if (probe.Anonymous)
            {
                if (!probe.StaticAsset)
                {
                    publicRoutes.Add(probe.ToString());
                }

                // Public by design; still nothing about users or keys, and the gateway answers 401 itself (404 for a URL it does not serve).
                if (body.Contains(ViewerEmail, StringComparison.Ordinal) || body.Contains(PortalAppFactory.AdminEmail, StringComparison.Ordinal)
                    || body.Contains(viewerKey.Key, StringComparison.Ordinal) || (probe.Path.StartsWith("/v1", StringComparison.Ordinal) && status != 401 && !(probe.Pattern == "/v1/{**rest}" && status == 404))
                    || status >= 500)
                {
                    leaks.Add($"{probe} → {status} (public)");
                }
            }
            else if (!(toSignIn || status == 401) || body.Contains(Victim, StringComparison.Ordinal))
            {
                leaks.Add($"{probe} → {status} {response.Headers.Location}");
            }
        }

        var protectedCount = probes.Count(p => !p.Anonymous);
        Figures.Print("access: anonymous", $"{probes.Count} method×route probes from the endpoint data sources ({protectedCount} protected, " +
            $"{probes.Count(p => p.Anonymous && p.StaticAsset)} static assets, {publicRoutes.Count} public by design: {string.Join(", ", publicRoutes)}): leaks {leaks.Count}");
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
        Assert.True(protectedCount >= 25, $"only {protectedCount} protected routes found: is the crawl reading the endpoint data sources?");

        // 2. As a Viewer, by API key and by browser session: every mutating route refuses, except the few open to every user.
        using var viewerApi = env.ApiClient(viewerKey.Key);
        using var viewerBrowser = PortalHttp.NewClient(env.Portal.BaseAddress);
        (await PortalHttp.SignInAsync(viewerBrowser, ViewerEmail, Password, Ct)).Dispose();
        var allowed = new List<string>();
        var refused = 0;
        var wrong = new List<string>();
        foreach (var probe in probes.Where(p => p.Mutating && !p.Anonymous))
        {
            if (OpenToEveryUser.ContainsKey(probe.ToString()))
            {
                allowed.Add(probe.ToString());
                continue;
            }

            foreach (var (how, client) in new[] { ("key", viewerApi), ("session", viewerBrowser) })
            {
                using var response = await SendAsync(client, probe, JsonContent.Create(new { replicas = 3, name = "viewer-made", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct" }));
                var status = (int)response.StatusCode;
                var toAccessDenied = status == 302 && response.Headers.Location?.OriginalString.Contains("access-denied", StringComparison.Ordinal) == true;
                // A page's form post is refused before anything runs: without its antiforgery token (400), or as a page
                // the caller may not open (403, the access-denied page, or the not-found page a key-holder gets).
                var isPage = !probe.Path.StartsWith("/api", StringComparison.Ordinal) && !probe.Path.StartsWith("/jobs", StringComparison.Ordinal);
                if (status == 403 || toAccessDenied || (isPage && status is 400 or 404))
                {
                    refused++;
                }
                else
                {
                    wrong.Add($"{probe} as Viewer ({how}) → {status}");
                }
            }
        }

        // Someone else's key is not the Viewer's to revoke.
        using (var revokeOthers = await viewerApi.DeleteAsync($"/api/v1/keys/{adminKeyId}", Ct))
        {
            if (revokeOthers.IsSuccessStatusCode)
            {
                wrong.Add($"Viewer revoked the admin's key: {(int)revokeOthers.StatusCode}");
            }
        }

        // 3. Page actions, through the same services the pages call, in a scope acting for the Viewer.
        var actions = await ViewerPageActionsAsync(env);
        var after = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/deployments/{Victim}", Ct);
        var unchanged = before.GetProperty("revision").GetInt64() == after.GetProperty("revision").GetInt64()
                        && (await admin.GetFromJsonAsync<JsonElement[]>("/api/v1/deployments", Ct))!.Length == 1;
        Figures.Print("access: viewer", $"{refused} mutating requests as Viewer refused (API key and session), {wrong.Count} allowed wrongly; " +
            $"{actions.Refused}/{actions.Tried} page actions refused; open to every user by design: {string.Join(", ", allowed)}; deployments unchanged: {unchanged}");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.Equal(actions.Tried, actions.Refused);
        Assert.True(unchanged);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/deployments", Ct)).StatusCode); // the admin's key survived
    }

    [Theory]
    [MemberData(nameof(Topology.All), MemberType = typeof(Topology))]
    public async Task A_deleted_users_keys_stop_at_once_and_a_revoked_key_within_a_second_on_every_replica(string topology)
    {
        _ = Topology.Named(topology);
        var database = PortalAppFactory.NewDatabasePath();
        await using var env = await PortalOnSimulator.StartAsync(databasePath: database, cancellationToken: Ct);
        // A second, web-only replica on the same database with a cache of its own: what another replica sees.
        await using var other = await PortalOnSimulator.StartAsync(env.Cluster, new Dictionary<string, string?> { ["Hangfire:ServerEnabled"] = "false" }, database, Ct);
        var replicas = new[] { env, other };

        // Deleted user: the key worked a moment ago (so it is cached), and fails on the very next request.
        var operatorKey = await CreateUserWithKeyAsync(env, OperatorEmail, PortalRoles.Operator);
        foreach (var replica in replicas)
        {
            using var api = replica.ApiClient(operatorKey.Key);
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/deployments", Ct)).StatusCode);
        }

        await using (var scope = env.Portal.Services.CreateAsyncScope())
        {
            var users = scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>();
            var user = (await users.ListAsync(Ct)).Single(u => u.Email == OperatorEmail);
            Assert.True((await users.DeleteAsync(user.Id, currentUserId: "admin")).Succeeded);
        }

        using (var api = env.ApiClient(operatorKey.Key))
        {
            using var next = await api.GetAsync("/api/v1/deployments", Ct);
            Figures.Print("access: deleted user", $"the deleted user's key on the next request on the replica that deleted it: {(int)next.StatusCode}");
            Assert.Equal(HttpStatusCode.Unauthorized, next.StatusCode);
        }

        var (deletedElsewhere, _) = await UntilRefusedAsync(other, operatorKey.Key);

        // Revoked key: revoked on the first replica, refused by every replica within a second.
        var key = await CreateUserWithKeyAsync(env, ViewerEmail, PortalRoles.Viewer);
        foreach (var replica in replicas)
        {
            using var api = replica.ApiClient(key.Key);
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/deployments", Ct)).StatusCode);
        }

        using (var admin = env.ApiClient())
        {
            Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/keys/{key.Id}", Ct)).StatusCode);
        }

        var refusals = new List<(TimeSpan After, int Requests)>();
        foreach (var replica in replicas)
        {
            refusals.Add(await UntilRefusedAsync(replica, key.Key));
        }

        var revokedTimes = refusals.Select(r => r.After).ToList();

        Figures.Print("access: revoked key", $"revoked key refused by {revokedTimes.Count}/{replicas.Length} replicas (SQLite, one shared file) after " +
            $"{string.Join(" / ", revokedTimes.Select(t => $"{t.TotalMilliseconds:0} ms"))}; deleted user's key on the other replica after {deletedElsewhere.TotalMilliseconds:0} ms (bound {ApiKeyService.CacheFor.TotalMilliseconds:0} ms)");
        Assert.True(refusals[0].Requests == 1, $"the revoking replica accepted the revoked key {refusals[0].Requests - 1} more times ({revokedTimes[0]})");
        Assert.All(revokedTimes, t => Assert.True(t <= TimeSpan.FromSeconds(1.2), $"a replica still accepted the revoked key after {t}"));
        Assert.True(deletedElsewhere <= TimeSpan.FromSeconds(1.2), $"the other replica accepted the deleted user's key for {deletedElsewhere}");
    }

    /// <summary>How long until the replica refuses the key, and how many requests it took (1: refused at once).</summary>
    private static async Task<(TimeSpan After, int Requests)> UntilRefusedAsync(PortalOnSimulator replica, string key)
    {
        using var api = replica.ApiClient(key);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var requests = 1; ; requests++)
        {
            using var response = await api.GetAsync("/api/v1/deployments", Ct);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                return (clock.Elapsed, requests);
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the key kept working");
            await Task.Delay(20, Ct);
        }
    }

    private static async Task<CreatedApiKey> CreateUserWithKeyAsync(PortalOnSimulator env, string email, string role)
    {
        await using var scope = env.Portal.Services.CreateAsyncScope();
        var users = scope.AsAdmin().ServiceProvider.GetRequiredService<UserAdministration>();
        Assert.True((await users.CreateAsync(email, Password, role)).Succeeded);
        var user = (await users.ListAsync(Ct)).Single(u => u.Email == email);
        return await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(user.Id, "access test", Ct);
    }

    /// <summary>Every action a page offers, called through the page's own services while acting for a Viewer.</summary>
    private static async Task<(int Tried, int Refused)> ViewerPageActionsAsync(PortalOnSimulator env)
    {
        await using var scope = env.Portal.Services.CreateAsyncScope();
        scope.As(PortalRoles.Viewer, ViewerEmail);
        var services = scope.ServiceProvider;
        var actions = services.GetRequiredService<DeploymentActions>();
        var commands = services.GetRequiredService<DeploymentCommands>();
        var users = services.GetRequiredService<UserAdministration>();
        var spec = new DeploymentSpec { Name = "viewer-made", Framework = "vllm", Model = "Qwen/Qwen2.5-0.5B-Instruct" };
        var outcomes = new List<bool>
        {
            !(await actions.ScaleAsync(Victim, 3, Ct)).Succeeded,
            !(await actions.StopAsync(Victim, Ct)).Succeeded,
            !(await actions.StartAsync(Victim, Ct)).Succeeded,
            !(await actions.DeleteAsync(Victim, deleteModelCache: true, Ct)).Succeeded,
            await commands.CreateAsync(new CreateDeployment(spec), Ct) is CommandResult.Forbidden,
            await commands.UpdateAsync(new UpdateDeployment(Victim, spec with { Name = Victim }), Ct) is CommandResult.Forbidden,
            await commands.PullModelAsync(new PullModel(Victim), Ct) is CommandResult.Forbidden,
            commands.RequestReconcile() is CommandResult.Forbidden,
            !(await users.CreateAsync("made-by-viewer@portal.test", "Some-pass-1", PortalRoles.Admin)).Succeeded,
            !(await users.SetRoleAsync((await users.ListAsync(Ct)).First().Id, PortalRoles.Viewer)).Succeeded,
            !(await users.DeleteAsync((await users.ListAsync(Ct)).First().Id, ViewerEmail)).Succeeded,
        };
        return (outcomes.Count, outcomes.Count(refused => refused));
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, EndpointProbe probe, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Path);
        if (probe.Mutating)
        {
            request.Content = content ?? new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return client.SendAsync(request, Ct);
    }
}
