using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Portal.Reliability.Support;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>
/// 200 concurrent streaming chats through the gateway to a deployment of 2 replicas: none fails. Then one replica
/// is killed while 200 streams run: only streams whose answer had begun before the kill may fail, and each of those
/// ends with an OpenAI-shaped error event, not a hang or a cut; every request sent after the kill succeeds on the
/// other replica.
/// </summary>
public sealed class LoadTests
{
    private const int Streams = 200;
    private const int AfterKill = 100;
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private enum Ending
    {
        Done,
        ErrorEvent,
        Broken,
    }

    private sealed record StreamResult(Ending Ending, long HeadersAt, int Status, string Detail);

    [Theory]
    [MemberData(nameof(Topology.All), MemberType = typeof(Topology))]
    public async Task Two_hundred_streams_hold_and_a_killed_replica_fails_only_streams_already_answering(string topology)
    {
        _ = Topology.Named(topology);
        await using var env = await PortalOnSimulator.StartAsync(
            PortalOnSimulator.FastSimulator with { InterTokenLatency = TimeSpan.FromMilliseconds(40), MaxBatch = 256 },
            new Dictionary<string, string?>
            {
                ["Gateway:RateLimitPerMinute"] = "0",
                // A hundred streams cut on purpose: the test counts them; their warnings would only fill the console.
                ["Logging:LogLevel:Yarp"] = "Error",
                ["Logging:LogLevel:Portal.Gateway"] = "Error",
            },
            cancellationToken: Ct);
        using (var api = env.ApiClient())
        {
            (await api.PostAsJsonAsync("/api/v1/deployments",
                new { name = "load", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", servedModelName = "load", replicas = 2, gpusPerReplica = 1 }, Ct))
                .EnsureSuccessStatusCode();
        }

        await env.WaitForDeploymentAsync("load", d => d.State == "ready" && d.ReadyReplicas == 2, TimeSpan.FromSeconds(60), Ct);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = env.Portal.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PortalOnSimulator.AdminApiKey);
        var clock = Stopwatch.StartNew();

        // 1. Steady: 200 at once.
        var steady = await Task.WhenAll(Enumerable.Range(0, Streams).Select(i => StreamAsync(http, clock, $"steady {i}")));
        var steadyErrors = steady.Count(r => r.Ending != Ending.Done);

        // 2. A replica dies mid-run, once every stream is answering (the client has its headers) and most are still
        //    running. Waiting for all of them keeps "answering before the kill" a fact of the client, not a race with
        //    its own scheduling on a loaded machine; the requests not yet started are the ones sent after the kill.
        Volatile.Write(ref _answering, 0);
        var running = Enumerable.Range(0, Streams).Select(i => StreamAsync(http, clock, $"during {i}")).ToList();
        await WaitUntilAsync(() => Volatile.Read(ref _answering) >= Streams && running.Count(t => t.IsCompleted) < Streams / 4, TimeSpan.FromSeconds(20));
        var killedAt = clock.ElapsedTicks;
        await env.Cluster.Faults.KillPod("default", "load-0", Ct);
        var after = Enumerable.Range(0, AfterKill).Select(i => StreamAsync(http, clock, $"after {i}")).ToList();
        var during = await Task.WhenAll(running);
        var afterResults = await Task.WhenAll(after);

        var begunBefore = during.Where(r => r.HeadersAt != 0 && r.HeadersAt < killedAt).ToList();
        var failedBegun = begunBefore.Count(r => r.Ending == Ending.ErrorEvent);
        var failedOther = during.Count(r => r.Ending != Ending.Done && !(r.HeadersAt != 0 && r.HeadersAt < killedAt));
        var broken = during.Concat(afterResults).Where(r => r.Ending == Ending.Broken).ToList();
        var afterFailed = afterResults.Count(r => r.Ending != Ending.Done);
        Figures.Print("load", $"{Streams} concurrent streams to 2 replicas: {Streams - steadyErrors} done, {steadyErrors} errors; one replica killed with {Streams} streams running " +
            $"({begunBefore.Count} already answering): {during.Count(r => r.Ending == Ending.Done)} done, {failedBegun} answering ones ended with an error event, " +
            $"{failedOther} not-yet-answering ones failed, {broken.Count} cut or hung; {AfterKill - afterFailed}/{AfterKill} sent after the kill succeeded");

        Assert.Equal(0, steadyErrors);
        Assert.True(broken.Count == 0, string.Join("\n", broken.Take(5).Select(b => $"{b.Status} {b.Detail}")));
        Assert.Equal(0, failedOther);
        Assert.Equal(0, afterFailed);
        Assert.True(failedBegun > 0, "no stream was cut by the kill: the kill did not land mid-stream");
    }

    private static int _answering;

    private static async Task<StreamResult> StreamAsync(HttpClient http, Stopwatch clock, string prompt)
    {
        long headersAt = 0;
        var status = 0;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "load", stream = true, messages = new[] { new { role = "user", content = $"Tell me about load balancing, {prompt}." } } }),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            headersAt = clock.ElapsedTicks;
            status = (int)response.StatusCode;
            Interlocked.Increment(ref _answering);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new StreamResult(Ending.Broken, headersAt, status, body);
            }

            if (body.TrimEnd().EndsWith("data: [DONE]", StringComparison.Ordinal))
            {
                return new StreamResult(Ending.Done, headersAt, status, "");
            }

            var last = body.TrimEnd().Split("\n\n").Last();
            return last.StartsWith("data: {\"error\":{", StringComparison.Ordinal) && last.Contains("\"type\":\"server_error\"", StringComparison.Ordinal)
                ? new StreamResult(Ending.ErrorEvent, headersAt, status, last)
                : new StreamResult(Ending.Broken, headersAt, status, $"ended without [DONE] or an error event: …{last[^Math.Min(200, last.Length)..]}");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return new StreamResult(Ending.Broken, headersAt, status, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the streams never got going");
            await Task.Delay(5, Ct);
        }
    }
}
