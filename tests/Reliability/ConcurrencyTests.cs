using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Reliability.Support;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>50 writers read the same ETag and PUT at once: exactly one wins, the rest get 412, and the stored spec is the winner's.</summary>
public sealed class ConcurrencyTests
{
    private const int Writers = 50;
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Topology.All), MemberType = typeof(Topology))]
    public async Task Fifty_parallel_puts_with_one_etag_have_exactly_one_winner(string topology)
    {
        _ = Topology.Named(topology);
        await using var env = await PortalOnSimulator.StartAsync(cancellationToken: Ct);
        using var api = env.ApiClient();
        (await api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "contended", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1 }, Ct))
            .EnsureSuccessStatusCode();
        using var read = await api.GetAsync("/api/v1/deployments/contended", Ct);
        var etag = read.Headers.ETag!.ToString();

        // Each writer asks for a different context length, so the stored spec says who won.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, Writers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            using var request = new HttpRequestMessage(HttpMethod.Put, "/api/v1/deployments/contended")
            {
                Content = JsonContent.Create(new
                {
                    name = "contended", @namespace = "default", framework = "vllm", model = "Qwen/Qwen2.5-0.5B-Instruct", replicas = 1, gpusPerReplica = 1,
                    contextLength = 1024 + i,
                }),
            };
            request.Headers.TryAddWithoutValidation("If-Match", etag);
            using var response = await api.SendAsync(request, Ct);
            return (Writer: i, response.StatusCode);
        }, Ct)).ToList();
        start.SetResult();
        var results = await Task.WhenAll(writers);

        var winners = results.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();
        var stale = results.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed);
        var other = results.Where(r => r.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.PreconditionFailed)).ToList();
        using var stored = JsonDocument.Parse(await api.GetStringAsync("/api/v1/deployments/contended", Ct));
        var storedLength = stored.RootElement.GetProperty("contextLength").GetInt32();
        var overwritten = winners.Count == 1 && storedLength != 1024 + winners[0].Writer ? 1 : 0;
        Figures.Print("concurrency", $"{Writers} parallel PUTs with one ETag: {winners.Count} won, {stale} got 412, {other.Count} other answers, silent overwrites {overwritten}");

        Assert.Single(winners);
        Assert.Equal(Writers - 1, stale);
        Assert.Empty(other);
        Assert.Equal(1024 + winners[0].Writer, storedLength);
    }
}
