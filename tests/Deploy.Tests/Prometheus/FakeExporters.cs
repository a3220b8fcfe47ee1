using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Deploy.Tests.Prometheus;

/// <summary>
/// /metrics pages in the exposition format, with the metric names and labels of
/// engines.md: a vLLM pod (qwen-chat-0), an SGLang pod (mistral-0), the portal (its
/// deployment gauges and gateway metrics, Ollama deployment llama included) on one port,
/// and dcgm-exporter on another. Counters grow with time so rates are not zero.
/// </summary>
internal sealed class FakeExporters : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Stopwatch clock = Stopwatch.StartNew();

    private FakeExporters(WebApplication app, int podsPort, int dcgmPort)
    {
        this.app = app;
        PodsPort = podsPort;
        DcgmPort = dcgmPort;
    }

    /// <summary>Engine pods under /pods/NAME/metrics, the portal under /metrics.</summary>
    public int PodsPort { get; }

    /// <summary>dcgm-exporter under /metrics.</summary>
    public int DcgmPort { get; }

    public static async Task<FakeExporters> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        FakeExporters? exporters = null;
        app.Run(async context =>
        {
            var page = exporters!.Page(context.Connection.LocalPort, context.Request.Path.Value ?? "");
            if (page is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.WriteAsync(page, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).ToArray();
        exporters = new FakeExporters(app, ports[0], ports[1]);
        return exporters;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private string? Page(int port, string path)
    {
        var t = clock.Elapsed.TotalSeconds + 60;
        if (port == DcgmPort)
        {
            return path == "/metrics" ? Dcgm() : null;
        }

        return path switch
        {
            "/pods/qwen-chat-0/metrics" => Vllm(t),
            "/pods/mistral-0/metrics" => Sglang(t),
            "/metrics" => PortalMetrics(t),
            _ => null,
        };
    }

    private static string Vllm(double t)
    {
        var m = new Exposition();
        const string labels = "model_name=\"qwen\",engine=\"0\"";
        m.Gauge("vllm:num_requests_running", labels, 3);
        m.Gauge("vllm:num_requests_waiting", labels, 1);
        m.Gauge("vllm:kv_cache_usage_perc", labels, 0.42);
        m.Counter("vllm:prompt_tokens_total", labels, 400 * t);
        m.Counter("vllm:generation_tokens_total", labels, 120 * t);
        m.Counter("vllm:request_success_total", labels + ",finished_reason=\"stop\"", 2 * t);
        m.Histogram("vllm:time_to_first_token_seconds", labels, [0.1, 0.25, 0.5, 1, 2.5], [0.2, 0.5, 0.2, 0.1, 0], 2 * t);
        m.Histogram("vllm:inter_token_latency_seconds", labels, [0.01, 0.025, 0.05, 0.1], [0.3, 0.5, 0.2, 0], 120 * t);
        m.Histogram("vllm:e2e_request_latency_seconds", labels, [0.5, 1, 2.5, 5, 10], [0.1, 0.3, 0.4, 0.2, 0], 2 * t);
        return m.ToString();
    }

    private static string Sglang(double t)
    {
        var m = new Exposition();
        const string labels = "model_name=\"mistral\",engine_type=\"unified\",tp_rank=\"0\",pp_rank=\"0\"";
        m.Gauge("sglang:num_running_reqs", labels, 5);
        m.Gauge("sglang:num_queue_reqs", labels, 2);
        m.Gauge("sglang:token_usage", labels, 0.61);
        m.Gauge("sglang:gen_throughput", labels, 80);
        m.Counter("sglang:prompt_tokens_total", labels, 300 * t);
        m.Counter("sglang:generation_tokens_total", labels, 80 * t);
        m.Counter("sglang:num_requests_total", labels, 1.5 * t);
        m.Histogram("sglang:time_to_first_token_seconds", labels, [0.1, 0.2, 0.4, 0.8, 1], [0.1, 0.4, 0.4, 0.1, 0], 1.5 * t);
        m.Histogram("sglang:inter_token_latency_seconds", labels, [0.01, 0.02, 0.04, 0.1], [0.2, 0.5, 0.3, 0], 80 * t);
        m.Histogram("sglang:e2e_request_latency_seconds", labels, [0.4, 1, 2, 4, 10], [0.1, 0.2, 0.4, 0.3, 0], 1.5 * t);
        return m.ToString();
    }

    private static string PortalMetrics(double t)
    {
        var m = new Exposition();
        (string Deployment, string Namespace, string Framework)[] deployments =
            [("qwen-chat", "models", "vllm"), ("mistral", "models", "sglang"), ("llama", "chat", "ollama")];
        foreach (var (deployment, ns, framework) in deployments)
        {
            var labels = $"deployment=\"{deployment}\",namespace=\"{ns}\",framework=\"{framework}\"";
            m.Gauge("portal_deployment_ready", labels, 1);
            m.Gauge("portal_deployment_replicas", labels + ",kind=\"ready\"", 1);
            m.Gauge("portal_deployment_replicas", labels + ",kind=\"desired\"", 1);
        }

        foreach (var (deployment, framework) in new[] { ("qwen-chat", "vllm"), ("llama", "ollama") })
        {
            var labels = $"deployment=\"{deployment}\",framework=\"{framework}\"";
            m.Counter("portal_gateway_requests_total", labels + ",status=\"200\"", 1.0 * t);
            m.Counter("portal_gateway_requests_total", labels + ",status=\"503\"", 0.05 * t);
            m.Counter("portal_gateway_output_tokens_total", labels, 60 * t);
            m.Gauge("portal_gateway_in_flight_requests", labels, 2);
            m.Histogram("portal_gateway_time_to_first_token_seconds", labels, [0.1, 0.5, 1, 2, 5], [0.1, 0.5, 0.3, 0.1, 0], 1.0 * t);
            m.Histogram("portal_gateway_request_duration_seconds", labels, [0.5, 1, 2, 5, 10], [0.1, 0.2, 0.4, 0.3, 0], 1.0 * t);
        }

        return m.ToString();
    }

    private static string Dcgm()
    {
        var m = new Exposition();
        // GPU 0 held by the vLLM pod (release 4.8 "Hostname"), GPU 1 by the SGLang pod as a
        // newer exporter labels it ("hostname"), GPU 2 idle on another node.
        string[] gpus =
        [
            "gpu=\"0\",UUID=\"GPU-0a\",device=\"nvidia0\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"gpu-node-1\",container=\"engine\",namespace=\"models\",pod=\"qwen-chat-0\"",
            "gpu=\"1\",UUID=\"GPU-1b\",device=\"nvidia1\",modelName=\"NVIDIA H100 80GB HBM3\",hostname=\"gpu-node-1\",container=\"engine\",namespace=\"models\",pod=\"mistral-0\"",
            "gpu=\"0\",UUID=\"GPU-2c\",device=\"nvidia0\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"gpu-node-2\"",
        ];
        double[] util = [87, 64, 0];
        double[] used = [74000, 71000, 0];
        for (var i = 0; i < gpus.Length; i++)
        {
            m.Gauge("DCGM_FI_DEV_GPU_UTIL", gpus[i], util[i]);
            m.Gauge("DCGM_FI_DEV_FB_USED", gpus[i], used[i]);
            m.Gauge("DCGM_FI_DEV_FB_FREE", gpus[i], 81559 - used[i]);
        }

        return m.ToString();
    }

    /// <summary>The Prometheus text exposition format, version 0.0.4, each family's samples together.</summary>
    private sealed class Exposition
    {
        private readonly List<(string Family, string Type, StringBuilder Lines)> families = [];

        public void Gauge(string name, string labels, double value) => Sample(name, "gauge", name, labels, value);

        public void Counter(string name, string labels, double value) => Sample(name, "counter", name, labels, value);

        /// <summary>Cumulative buckets for <paramref name="count"/> observations spread as <paramref name="shares"/>.</summary>
        public void Histogram(string name, string labels, double[] bounds, double[] shares, double count)
        {
            var cumulative = 0.0;
            var sum = 0.0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += shares[i];
                sum += shares[i] * count * bounds[i] * 0.75;
                Sample(name, "histogram", name + "_bucket", $"{labels},le=\"{F(bounds[i])}\"", count * Math.Min(cumulative, 1));
            }

            Sample(name, "histogram", name + "_bucket", $"{labels},le=\"+Inf\"", count);
            Sample(name, "histogram", name + "_sum", labels, sum);
            Sample(name, "histogram", name + "_count", labels, count);
        }

        public override string ToString()
        {
            var text = new StringBuilder();
            foreach (var (family, type, lines) in families)
            {
                text.Append("# TYPE ").Append(family).Append(' ').Append(type).Append('\n').Append(lines);
            }

            return text.ToString();
        }

        private void Sample(string family, string type, string name, string labels, double value)
        {
            var lines = families.FirstOrDefault(f => f.Family == family).Lines;
            if (lines is null)
            {
                lines = new StringBuilder();
                families.Add((family, type, lines));
            }

            lines.Append(name).Append('{').Append(labels).Append("} ").Append(F(value)).Append('\n');
        }

        private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
