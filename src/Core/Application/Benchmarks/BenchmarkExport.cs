using System.Globalization;
using System.Text;
using System.Text.Json;
using Portal.Domain.Benchmarks;

namespace Portal.Application.Benchmarks;

/// <summary>
/// A run as files: CSV (one row per step, the configuration in every row, so runs concatenate), and JSON close to
/// <c>vllm bench serve --save-result</c>: one object per step with vLLM's field names (vllm/benchmarks/serve.py
/// @ 009e6d4a: <c>date</c>, <c>backend</c>, <c>model_id</c>, <c>num_prompts</c>, <c>request_rate</c>, <c>burstiness</c>,
/// <c>max_concurrency</c>, <c>duration</c>, <c>completed</c>, <c>failed</c>, <c>total_input_tokens</c>,
/// <c>total_output_tokens</c>, <c>request_throughput</c>, <c>output_throughput</c>, <c>total_token_throughput</c>,
/// <c>mean_/median_/std_/pNN_{ttft,tpot,itl,e2el}_ms</c>), the run's configuration added as top-level keys the way
/// vLLM's <c>--metadata KEY=VALUE</c> adds them, and with <c>detailed</c> the per-request lists of <c>--save-detailed</c>
/// (<c>input_lens</c>, <c>output_lens</c>, <c>ttfts</c>, <c>itls</c>, <c>latencies</c>, <c>errors</c>; times in seconds as vLLM writes them).
/// </summary>
public static class BenchmarkExport
{
    private static readonly string[] Percentiles = ["50", "90", "95", "99"];

    public static readonly IReadOnlyList<string> CsvColumns =
    [
        "run_id", "deployment", "engine", "image_tag", "model", "replicas", "gpus_per_replica", "gpu_type",
        "step", "kind", "level", "requests", "completed", "errors", "duration_s",
        "request_throughput", "output_throughput", "total_token_throughput", "total_input_tokens", "total_output_tokens",
        .. Metric("ttft"), .. Metric("itl"), .. Metric("tpot"), .. Metric("e2el"),
        "gpu_utilization_pct", "kv_cache_usage", "queue_depth", "error_kinds",
    ];

    private static IEnumerable<string> Metric(string name) =>
        Percentiles.Select(p => $"p{p}_{name}_ms").Append($"mean_{name}_ms");

    public static string Csv(BenchmarkRun run)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(',', CsvColumns));
        foreach (var step in run.Steps.OrderBy(s => s.Index))
        {
            var cells = new List<string>
            {
                run.Id.ToString(), run.DeploymentName, run.Framework, run.ImageTag, run.Model,
                N(run.Replicas), N(run.GpusPerReplica), run.GpuType ?? "",
                N(step.Index + 1), step.Kind.ToString().ToLowerInvariant(), N(step.Level), N(step.Requests), N(step.Completed), N(step.Errors), N(step.DurationSeconds),
                N(step.RequestsPerSecond), N(step.OutputTokensPerSecond), N(step.TotalTokensPerSecond), N(step.InputTokens), N(step.OutputTokens),
            };
            foreach (var stats in new[] { step.Ttft, step.Itl, step.Tpot, step.E2e })
            {
                cells.AddRange([N(stats.P50), N(stats.P90), N(stats.P95), N(stats.P99), N(stats.Mean)]);
            }

            cells.AddRange([N(step.GpuUtilization), N(step.KvCacheUsage), N(step.QueueDepth),
                string.Join("; ", step.ErrorKinds.Select(k => $"{k.Key}={k.Value}"))]);
            text.AppendLine(string.Join(',', cells.Select(Quote)));
        }

        return text.ToString();
    }

    public static byte[] VllmJson(BenchmarkRun run, IReadOnlyDictionary<long, IReadOnlyList<RequestSample>>? samples)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var step in run.Steps.OrderBy(s => s.Index))
            {
                WriteStep(json, run, step, samples is not null && samples.TryGetValue(step.Id, out var s) ? s : null);
            }

            json.WriteEndArray();
        }

        return buffer.ToArray();
    }

    private static void WriteStep(Utf8JsonWriter json, BenchmarkRun run, BenchmarkStep step, IReadOnlyList<RequestSample>? samples)
    {
        json.WriteStartObject();
        json.WriteString("date", step.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        json.WriteString("endpoint_type", "openai-chat");
        json.WriteString("backend", "openai-chat");
        json.WriteString("label", run.Label);
        json.WriteString("model_id", run.Model);
        json.WriteString("tokenizer_id", run.Model);
        json.WriteNumber("num_prompts", step.Requests);
        if (step.Kind == StepKind.Rate)
        {
            json.WriteNumber("request_rate", step.Level);
        }
        else
        {
            json.WriteString("request_rate", "inf");
        }

        json.WriteNumber("burstiness", 1.0);
        if (step.Kind == StepKind.Rate)
        {
            json.WriteNumber("max_concurrency", run.Plan.Load.MaxConcurrency);
        }
        else
        {
            json.WriteNumber("max_concurrency", (int)step.Level);
        }

        // --metadata: the configuration the numbers belong to.
        json.WriteString("portal_run_id", run.Id.ToString());
        json.WriteNumber("portal_step", step.Index + 1);
        json.WriteString("portal_step_kind", step.Kind.ToString().ToLowerInvariant());
        json.WriteString("deployment", run.DeploymentName);
        json.WriteString("engine", run.Framework);
        json.WriteString("engine_image_tag", run.ImageTag);
        json.WriteNumber("replicas", run.Replicas);
        json.WriteNumber("gpus_per_replica", run.GpusPerReplica);

        json.WriteNumber("duration", step.DurationSeconds);
        json.WriteNumber("completed", step.Completed);
        json.WriteNumber("failed", step.Errors);
        json.WriteNumber("total_input_tokens", step.InputTokens);
        json.WriteNumber("total_output_tokens", step.OutputTokens);
        json.WriteNumber("request_throughput", step.RequestsPerSecond);
        json.WriteNull("request_goodput");
        json.WriteNumber("output_throughput", step.OutputTokensPerSecond);
        json.WriteNumber("total_token_throughput", step.TotalTokensPerSecond);
        WriteStats(json, "ttft", step.Ttft);
        WriteStats(json, "tpot", step.Tpot);
        WriteStats(json, "itl", step.Itl);
        WriteStats(json, "e2el", step.E2e);
        if (samples is not null)
        {
            WriteList(json, "input_lens", samples.Select(s => (double?)(s.PromptTokens ?? 0)));
            WriteList(json, "output_lens", samples.Select(s => (double?)(s.Ok ? s.OutputTokens ?? 0 : 0)));
            WriteList(json, "ttfts", samples.Select(s => s.TtftMs / 1000.0));
            json.WriteStartArray("itls");
            foreach (var sample in samples)
            {
                json.WriteStartArray();
                foreach (var gap in sample.ItlsMs)
                {
                    json.WriteNumberValue(gap / 1000.0);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
            WriteList(json, "latencies", samples.Select(s => (double?)(s.E2eMs / 1000.0)));
            WriteList(json, "start_times", samples.Select(s => (double?)(s.StartMs / 1000.0)));
            json.WriteStartArray("errors");
            foreach (var sample in samples)
            {
                json.WriteStringValue(sample.Error ?? "");
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteStats(Utf8JsonWriter json, string name, LatencyStats stats)
    {
        json.WriteNumber($"mean_{name}_ms", stats.Mean);
        json.WriteNumber($"median_{name}_ms", stats.P50);
        json.WriteNumber($"std_{name}_ms", stats.Std);
        json.WriteNumber($"p50_{name}_ms", stats.P50);
        json.WriteNumber($"p90_{name}_ms", stats.P90);
        json.WriteNumber($"p95_{name}_ms", stats.P95);
        json.WriteNumber($"p99_{name}_ms", stats.P99);
    }

    private static void WriteList(Utf8JsonWriter json, string name, IEnumerable<double?> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            if (value is { } v)
            {
                json.WriteNumberValue(v);
            }
            else
            {
                json.WriteNullValue();
            }
        }

        json.WriteEndArray();
    }

    private static string N(double? value) => value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
