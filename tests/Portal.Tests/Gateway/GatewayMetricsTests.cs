using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Portal.Tests.Gateway;

/// <summary>The gateway's series on the portal's /metrics, as the dashboard reads them.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayMetricsTests(GatewayFixture fx)
{
    private static CancellationToken Ct => GatewayFixture.Ct;

    [Fact]
    public async Task Streamed_Ollama_tokens_are_counted_from_the_stream_with_time_to_first_token_and_status()
    {
        using var http = fx.Http(await fx.NewKeyAsync());
        var labels = "deployment=\"chat-ollama\",framework=\"ollama\"";
        var before = await ScrapeAsync();

        // No stream_options: Ollama sends no usage block, so the gateway counts the chunks.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = GatewayFixture.OllamaModel, stream = true, max_tokens = 9, messages = new[] { new { role = "user", content = "Count for the metrics." } } }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        var chunks = 0;
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal)
                && (string?)JsonNode.Parse(line[6..])!["choices"]?.AsArray().FirstOrDefault()?["delta"]?["content"] is { Length: > 0 })
            {
                chunks++;
            }
        }

        var after = await ScrapeAsync();
        Assert.InRange(chunks, 1, 9);
        Assert.Equal(chunks, Delta(before, after, "portal_gateway_output_tokens_total{" + labels + "}"));
        Assert.Equal(1, Delta(before, after, "portal_gateway_requests_total{" + labels + ",status=\"200\"}"));
        Assert.Equal(1, Delta(before, after, "portal_gateway_time_to_first_token_seconds_count{" + labels + "}"));
        Assert.Equal(1, Delta(before, after, "portal_gateway_request_duration_seconds_count{" + labels + "}"));
        Assert.Equal(0, after.GetValueOrDefault("portal_gateway_in_flight_requests{" + labels + "}"));
    }

    [Fact]
    public async Task Non_streamed_tokens_come_from_the_usage_block_and_errors_are_counted_by_status()
    {
        using var http = fx.Http(await fx.NewKeyAsync());
        var labels = "deployment=\"chat-sglang\",framework=\"sglang\"";
        var before = await ScrapeAsync();

        var reply = await http.PostAsJsonAsync("/v1/chat/completions", new { model = GatewayFixture.SglangModel, max_tokens = 7, messages = new[] { new { role = "user", content = "Usage, please." } } }, Ct);
        var usage = (await reply.Content.ReadFromJsonAsync<JsonObject>(Ct))!["usage"]!;
        await http.PostAsJsonAsync("/v1/chat/completions", new { model = "not-deployed", messages = new[] { new { role = "user", content = "hi" } } }, Ct);

        var after = await ScrapeAsync();
        Assert.Equal((int)usage["completion_tokens"]!, Delta(before, after, "portal_gateway_output_tokens_total{" + labels + "}"));
        Assert.Equal(1, Delta(before, after, "portal_gateway_requests_total{" + labels + ",status=\"200\"}"));
        Assert.Equal(0, Delta(before, after, "portal_gateway_time_to_first_token_seconds_count{" + labels + "}"));
        Assert.Equal(1, Delta(before, after, "portal_gateway_requests_total{deployment=\"\",framework=\"\",status=\"404\"}"));
    }

    [Fact]
    public async Task In_flight_requests_show_while_a_stream_runs()
    {
        var engines = fx.Env.Cluster.Engines;
        var itl = engines.InterTokenLatency;
        engines.InterTokenLatency = TimeSpan.FromMilliseconds(100);
        try
        {
            using var http = fx.Http(await fx.NewKeyAsync());
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = GatewayFixture.VllmModel, stream = true, max_tokens = 10, messages = new[] { new { role = "user", content = "Take your time." } } }),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
            var during = await ScrapeAsync();
            Assert.Equal(1, during["portal_gateway_in_flight_requests{deployment=\"chat-vllm\",framework=\"vllm\"}"]);
            await response.Content.ReadAsStringAsync(Ct);
            var after = await ScrapeAsync();
            Assert.Equal(0, after["portal_gateway_in_flight_requests{deployment=\"chat-vllm\",framework=\"vllm\"}"]);
        }
        finally
        {
            engines.InterTokenLatency = itl;
        }
    }

    private static double Delta(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after, string series) =>
        after.GetValueOrDefault(series) - before.GetValueOrDefault(series);

    /// <summary>The gateway's series from /metrics, keyed by name and labels exactly as exposed.</summary>
    private async Task<IReadOnlyDictionary<string, double>> ScrapeAsync()
    {
        using var http = fx.Http(key: null);
        var text = await http.GetStringAsync("/metrics", Ct);
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("portal_gateway_", StringComparison.Ordinal))
            {
                var space = line.LastIndexOf(' ');
                series[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return series;
    }
}
