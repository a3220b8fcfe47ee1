using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Portal.Gateway;

namespace Portal.Tests.Gateway;

/// <summary>The gateway's metrics: measured from the portal's own meter, and exposed on /metrics under the names the dashboard reads.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayMetricsTests(GatewayFixture fx)
{
    private static CancellationToken Ct => GatewayFixture.Ct;

    [Fact]
    public async Task Streamed_Ollama_tokens_are_counted_from_the_stream_with_time_to_first_token_and_status()
    {
        using var http = fx.Http(await fx.NewKeyAsync());
        using var tokens = Collect<long>(GatewayMetrics.OutputTokensInstrument);
        using var requests = Collect<long>(GatewayMetrics.RequestsInstrument);
        using var ttft = Collect<double>(GatewayMetrics.TimeToFirstTokenInstrument);
        using var duration = Collect<double>(GatewayMetrics.RequestDurationInstrument);
        using var inFlight = Collect<long>(GatewayMetrics.InFlightInstrument);

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

        Assert.InRange(chunks, 1, 9);
        Assert.Equal(chunks, Sum(tokens, "chat-ollama", "ollama"));
        Assert.Equal(1, Sum(requests, "chat-ollama", "ollama", status: "200"));
        Assert.Equal(1, Count(ttft, "chat-ollama", "ollama"));
        Assert.Equal(1, Count(duration, "chat-ollama", "ollama"));
        Assert.Equal(0, Sum(inFlight, "chat-ollama", "ollama"));
    }

    [Fact]
    public async Task Non_streamed_tokens_come_from_the_usage_block_and_errors_are_counted_by_status()
    {
        using var http = fx.Http(await fx.NewKeyAsync());
        using var tokens = Collect<long>(GatewayMetrics.OutputTokensInstrument);
        using var requests = Collect<long>(GatewayMetrics.RequestsInstrument);
        using var ttft = Collect<double>(GatewayMetrics.TimeToFirstTokenInstrument);

        var reply = await http.PostAsJsonAsync("/v1/chat/completions", new { model = GatewayFixture.SglangModel, max_tokens = 7, messages = new[] { new { role = "user", content = "Usage, please." } } }, Ct);
        var usage = (await reply.Content.ReadFromJsonAsync<JsonObject>(Ct))!["usage"]!;
        await http.PostAsJsonAsync("/v1/chat/completions", new { model = "not-deployed", messages = new[] { new { role = "user", content = "hi" } } }, Ct);

        Assert.Equal((int)usage["completion_tokens"]!, Sum(tokens, "chat-sglang", "sglang"));
        Assert.Equal(1, Sum(requests, "chat-sglang", "sglang", status: "200"));
        Assert.Equal(0, Count(ttft, "chat-sglang", "sglang"));
        Assert.Equal(1, Sum(requests, "", "", status: "404"));
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

    /// <summary>Measurements of one of the gateway's instruments in this test's portal, from now on.</summary>
    private MetricCollector<T> Collect<T>(string instrument)
        where T : struct =>
        new(fx.Env.Portal.Services.GetRequiredService<IMeterFactory>(), GatewayMetrics.MeterName, instrument);

    private static long Sum(MetricCollector<long> collector, string deployment, string framework, string? status = null) =>
        Of(collector, deployment, framework, status).Sum(m => m.Value);

    private static int Count(MetricCollector<double> collector, string deployment, string framework) =>
        Of(collector, deployment, framework, status: null).Count();

    private static IEnumerable<CollectedMeasurement<T>> Of<T>(MetricCollector<T> collector, string deployment, string framework, string? status)
        where T : struct =>
        collector.GetMeasurementSnapshot().Where(m =>
            Equals(m.Tags["deployment"], deployment) && Equals(m.Tags["framework"], framework) && (status is null || Equals(m.Tags["status"], status)));

    /// <summary>The gateway's series from /metrics, keyed by name and labels exactly as exposed (the names the dashboard and the rules query).</summary>
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
