using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Application.Monitoring;
using Portal.Infrastructure.Prometheus;
using Portal.TestSupport;

namespace Portal.Infrastructure.Tests.Prometheus;

/// <summary>The Prometheus query client against a real Prometheus scraping the simulated cluster's GPU exporter.</summary>
public sealed class PrometheusClientTests(PrometheusOnSimulator fixture) : IClassFixture<PrometheusOnSimulator>
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    private PrometheusClient Client => PrometheusClients.Create(fixture.Prometheus.Url);

    [Fact]
    public async Task An_instant_query_returns_every_simulated_GPU_with_dcgm_exporter_labels()
    {
        var result = await Client.QueryAsync("DCGM_FI_DEV_GPU_UTIL", cancellationToken: Ct);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(["0", "1"], result.Value.Select(s => s.Labels["gpu"]).Order());
        Assert.All(result.Value, sample =>
        {
            Assert.Equal("gpu-node-1", sample.Labels["Hostname"]);
            Assert.Equal("NVIDIA H100 80GB HBM3", sample.Labels["modelName"]);
            Assert.StartsWith("GPU-", sample.Labels["UUID"]);
            Assert.Equal("dcgm-exporter", sample.Labels["component"]);
            Assert.InRange(sample.Value, 0, 100);
            Assert.InRange(sample.Time, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        });
    }

    [Fact]
    public async Task A_range_query_returns_one_point_per_step_for_each_GPU()
    {
        // Five seconds of one-second scrapes behind the window asked for.
        await fixture.Prometheus.WaitForSeriesAsync("count_over_time(DCGM_FI_DEV_FB_FREE[6s]) >= 5", atLeast: 2, cancellationToken: Ct);
        var end = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var start = end.AddSeconds(-4);

        var result = await Client.QueryRangeAsync("sum by (gpu, Hostname) (DCGM_FI_DEV_FB_FREE)", start, end, TimeSpan.FromSeconds(1), Ct);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(2, result.Value.Count);
        foreach (var series in result.Value)
        {
            Assert.InRange(series.Points.Count, 2, 5);
            Assert.All(series.Points, p => Assert.InRange(p.Time, start, end));
            Assert.All(series.Points.Zip(series.Points.Skip(1)), pair => Assert.Equal(1000, pair.Second.UnixMilliseconds - pair.First.UnixMilliseconds));
            Assert.All(series.Points, p => Assert.Equal(81559, p.Value)); // idle GPUs: all memory free (MiB)
        }
    }

    [Fact]
    public async Task A_query_Prometheus_cannot_parse_is_a_typed_bad_query_error()
    {
        var instant = await Client.QueryAsync("sum(DCGM_FI_DEV_GPU_UTIL", cancellationToken: Ct);
        var range = await Client.QueryRangeAsync("DCGM_FI_DEV_GPU_UTIL", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(-1), TimeSpan.FromSeconds(1), Ct);

        Assert.False(instant.IsSuccess);
        Assert.Equal(PrometheusErrorKind.BadQuery, instant.Error.Kind);
        Assert.Equal("bad_data", instant.Error.ErrorType);
        Assert.Equal(400, instant.Error.StatusCode);
        Assert.Contains("parse error", instant.Error.Message);
        Assert.False(range.IsSuccess);
        Assert.Equal(PrometheusErrorKind.BadQuery, range.Error.Kind);
        Assert.Contains("end timestamp must not be before start time", range.Error.Message);
    }

    [Fact]
    public async Task A_query_that_fails_while_running_is_a_typed_execution_error()
    {
        // Two series with the same labels after label_replace on the right side of a one-to-one match.
        var result = await Client.QueryAsync(
            "DCGM_FI_DEV_GPU_UTIL * on (Hostname) DCGM_FI_DEV_FB_FREE", cancellationToken: Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal(PrometheusErrorKind.QueryFailed, result.Error.Kind);
        Assert.Equal("execution", result.Error.ErrorType);
        Assert.Contains("many-to-many matching not allowed", result.Error.Message);
    }

    [Fact]
    public async Task Targets_list_the_GPU_exporter_as_up_and_ready_is_true()
    {
        var targets = await Client.TargetsAsync(Ct);
        var ready = await Client.ReadyAsync(Ct);

        Assert.True(targets.IsSuccess, targets.ToString());
        var exporter = Assert.Single(targets.Value, t => t.Labels["component"] == "dcgm-exporter");
        Assert.True(exporter.IsUp, exporter.LastError);
        Assert.Equal("simulator", exporter.ScrapePool);
        Assert.EndsWith(":9400/metrics", exporter.ScrapeUrl);
        Assert.NotNull(exporter.LastScrape);
        Assert.True(ready.IsSuccess && ready.Value);
    }

    [Fact]
    public async Task A_stopped_Prometheus_is_a_typed_unreachable_result_not_an_exception()
    {
        await using var prometheus = await PrometheusServer.StartAsync(fixture.Cluster.PrometheusSdPath, cancellationToken: Ct);
        var client = PrometheusClients.Create(prometheus.Url);
        Assert.True((await client.ReadyAsync(Ct)).Value);

        await prometheus.StopAsync();
        var query = await client.QueryAsync("up", cancellationToken: Ct);
        var ready = await client.ReadyAsync(Ct);

        Assert.False(query.IsSuccess);
        Assert.Equal(PrometheusErrorKind.Unreachable, query.Error.Kind);
        Assert.Contains("Connection refused", query.Error.Message);
        Assert.Contains($"127.0.0.1:{prometheus.Port}", query.Error.Message);
        Assert.True(query.Error.IsConnectivity);
        Assert.Equal(PrometheusErrorKind.Unreachable, ready.Error!.Kind);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_a_typed_timeout_after_the_configured_timeout_without_retrying()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the kernel does), never answers
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/");
        var client = PrometheusClients.Create(url, new Dictionary<string, string?> { ["Prometheus:Timeout"] = "00:00:00.300" });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await client.QueryAsync("up", cancellationToken: Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal(PrometheusErrorKind.Timeout, result.Error.Kind);
        Assert.Contains("within 0.3 s", result.Error.Message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Basic_auth_is_sent_when_configured_and_missing_credentials_are_a_typed_unauthorized_error()
    {
        await using var prometheus = PrometheusServer.Prepare(fixture.Cluster.PrometheusSdPath, basicAuth: true);
        await prometheus.StartAsync(cancellationToken: Ct);

        var anonymous = await PrometheusClients.Create(prometheus.Url).QueryAsync("vector(1)", cancellationToken: Ct);
        var signedIn = await PrometheusClients.Create(prometheus.Url, new Dictionary<string, string?>
        {
            ["Prometheus:Username"] = PrometheusServer.BasicAuthUser,
            ["Prometheus:Password"] = PrometheusServer.BasicAuthPassword,
        }).QueryAsync("vector(1)", cancellationToken: Ct);

        Assert.Equal(PrometheusErrorKind.Unauthorized, anonymous.Error?.Kind);
        Assert.Equal(401, anonymous.Error!.StatusCode);
        Assert.True(signedIn.IsSuccess, signedIn.ToString());
        Assert.Equal(1, Assert.Single(signedIn.Value).Value);
    }

    [Fact]
    public async Task Without_a_URL_every_call_is_a_not_configured_result()
    {
        var client = PrometheusClients.Create(url: null);

        var query = await client.QueryAsync("up", cancellationToken: Ct);
        var targets = await client.TargetsAsync(Ct);

        Assert.Null(client.Url);
        Assert.Equal(PrometheusErrorKind.NotConfigured, query.Error?.Kind);
        Assert.Equal(PrometheusErrorKind.NotConfigured, targets.Error?.Kind);
        Assert.Contains("Prometheus:Url", query.Error!.Message);
    }

    [Theory]
    [InlineData("Prometheus:Url", "ftp://prometheus:9090", "absolute http or https URL")]
    [InlineData("Prometheus:Username", "someone", "go together")]
    [InlineData("Prometheus:Timeout", "00:30:00", "Timeout")]
    public void Bad_settings_are_refused_when_the_options_are_read(string key, string value, string message)
    {
        using var services = PrometheusClients.Services(new Uri("http://127.0.0.1:9090"), new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<PrometheusOptions>>().Value);

        Assert.Contains(message, error.Message);
    }
}
