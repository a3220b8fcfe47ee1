using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Portal.Simulator.Tests;

public sealed class OllamaPullTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(EnginePods.OllamaOld)]
    [InlineData(EnginePods.OllamaCurrent)]
    public async Task Pull_reports_every_layer_with_its_own_digest_and_progress_that_never_goes_back(string image)
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.OllamaAsync(cluster, "o", image);
        using var http = new HttpClient();

        var (status, lines) = await PullAsync(http, root, "qwen2.5:0.5b");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("pulling manifest", (string?)lines[0]["status"]);
        Assert.Equal(["verifying sha256 digest", "writing manifest", "success"], lines[^3..].Select(l => (string?)l["status"]));
        var layers = lines.Where(l => l["digest"] is not null).GroupBy(l => (string)l["digest"]!).ToList();
        Assert.True(layers.Count >= 5, $"{layers.Count} layers");
        foreach (var layer in layers)
        {
            var digest = layer.Key;
            Assert.Matches("^sha256:[0-9a-f]{64}$", digest);
            Assert.All(layer, l => Assert.Equal($"pulling {digest[7..19]}", (string?)l["status"]));
            var completed = layer.Select(l => (long)l["completed"]!).ToList();
            Assert.Equal(completed.Order(), completed);
            Assert.Equal((long)layer.Last()["total"]!, completed[^1]);
        }

        Assert.True(layers.Max(l => (long)l.First()["total"]!) > 100_000_000, "the model layer holds the weights");
        var tags = JsonNode.Parse(await http.GetStringAsync(new Uri(root, "/api/tags"), Ct))!;
        Assert.Equal("qwen2.5:0.5b", (string?)tags["models"]![0]!["name"]);
    }

    [Theory]
    [InlineData(OllamaPullFault.UnknownModel, "pull model manifest: file does not exist")]
    [InlineData(OllamaPullFault.RegistryUnreachable, "pull model manifest: Get \"https://registry.ollama.ai/v2/library/qwen2.5/manifests/0.5b\": dial tcp: lookup registry.ollama.ai: no such host")]
    [InlineData(OllamaPullFault.DiskFull, "no space left on device")]
    public async Task A_failing_pull_ends_its_HTTP_200_stream_with_an_error_line_and_installs_nothing(OllamaPullFault fault, string error)
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.OllamaAsync(cluster, "o", EnginePods.OllamaCurrent);
        cluster.Faults.OllamaPull = fault;
        using var http = new HttpClient();

        var (status, lines) = await PullAsync(http, root, "qwen2.5:0.5b");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("pulling manifest", (string?)lines[0]["status"]);
        Assert.EndsWith(error, (string?)lines[^1]["error"]);
        Assert.DoesNotContain(lines, l => (string?)l["status"] == "success");
        Assert.Equal(fault == OllamaPullFault.DiskFull, lines.Any(l => l["completed"] is not null));
        var tags = JsonNode.Parse(await http.GetStringAsync(new Uri(root, "/api/tags"), Ct))!;
        Assert.Empty(tags["models"]!.AsArray());
    }

    [Fact]
    public async Task A_failing_pull_without_streaming_is_a_500_with_the_error()
    {
        await using var cluster = await TestCluster.StartAsync();
        var root = await EnginePods.OllamaAsync(cluster, "o", EnginePods.OllamaCurrent);
        cluster.Faults.OllamaPull = OllamaPullFault.UnknownModel;
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(root, "/api/pull"), Json("""{"model":"nosuch:1b","stream":false}"""), Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("pull model manifest: file does not exist", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]);
    }

    [Fact]
    public async Task Requests_beyond_OLLAMA_MAX_QUEUE_while_the_model_loads_get_503()
    {
        await using var cluster = await TestCluster.StartAsync(new SimulatorOptions
        {
            ModelLoadTime = TimeSpan.FromMilliseconds(600), ContainerStartTime = TimeSpan.FromMilliseconds(20), OllamaPullDuration = TimeSpan.FromMilliseconds(50),
        });
        var root = await EnginePods.OllamaAsync(cluster, "o", EnginePods.OllamaCurrent, new Dictionary<string, string> { ["OLLAMA_MAX_QUEUE"] = "1" });
        using var http = new HttpClient();
        await PullAsync(http, root, "qwen2.5:0.5b");

        var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(async i =>
        {
            await Task.Delay(i * 50, Ct);
            using var response = await http.PostAsync(new Uri(root, "/api/generate"), Json("""{"model":"qwen2.5:0.5b","prompt":"hi","stream":false}"""), Ct);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        }));

        Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        var busy = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Equal("server busy, please try again.  maximum pending requests exceeded", (string?)JsonNode.Parse(busy.Body)!["error"]);
    }

    [Fact]
    public async Task Ollama_runs_one_request_at_a_time_unless_OLLAMA_NUM_PARALLEL_says_more()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Engines.InterTokenLatency = TimeSpan.FromMilliseconds(10);
        var serial = await EnginePods.OllamaAsync(cluster, "serial", EnginePods.OllamaCurrent);
        var parallel = await EnginePods.OllamaAsync(cluster, "parallel", EnginePods.OllamaCurrent, new Dictionary<string, string> { ["OLLAMA_NUM_PARALLEL"] = "4" });
        using var http = new HttpClient();

        var serialTime = await FourAtOnceAsync(http, serial);
        var parallelTime = await FourAtOnceAsync(http, parallel);

        Assert.True(serialTime > parallelTime * 2, $"serial {serialTime}, parallel {parallelTime}");
    }

    private static async Task<TimeSpan> FourAtOnceAsync(HttpClient http, Uri root)
    {
        await PullAsync(http, root, "qwen2.5:0.5b");
        await http.PostAsync(new Uri(root, "/api/generate"), Json("""{"model":"qwen2.5:0.5b","prompt":"load","stream":false}"""), Ct);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            http.PostAsync(new Uri(root, "/api/generate"), Json($$$"""{"model":"qwen2.5:0.5b","prompt":"question {{{i}}}","stream":false,"options":{"num_predict":15}}"""), Ct)));
        return watch.Elapsed;
    }

    internal static async Task<(HttpStatusCode Status, List<JsonNode> Lines)> PullAsync(HttpClient http, Uri root, string model)
    {
        using var response = await http.PostAsync(new Uri(root, "/api/pull"), Json($$"""{"model":"{{model}}"}"""), Ct);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
