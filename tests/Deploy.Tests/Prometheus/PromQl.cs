using System.Text.RegularExpressions;

namespace Portal.Deploy.Tests.Prometheus;

/// <summary>The metric names a PromQL expression reads, and the names it may read.</summary>
internal static partial class PromQl
{
    /// <summary>
    /// Metric names from shared/reference/engines.md (vLLM, SGLang, dcgm-exporter), the
    /// portal's own /metrics, and Prometheus's "up". Histograms by their base name.
    /// </summary>
    public static readonly IReadOnlySet<string> KnownMetrics = new HashSet<string>(StringComparer.Ordinal)
    {
        // vLLM (V1 engine)
        "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
        "vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:request_success_total",
        "vllm:num_preemptions_total", "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total",
        "vllm:time_to_first_token_seconds", "vllm:inter_token_latency_seconds", "vllm:e2e_request_latency_seconds",
        "vllm:request_queue_time_seconds", "vllm:request_prompt_tokens", "vllm:request_generation_tokens",
        // SGLang (--enable-metrics)
        "sglang:prompt_tokens_total", "sglang:generation_tokens_total", "sglang:num_requests_total",
        "sglang:num_running_reqs", "sglang:num_queue_reqs", "sglang:num_used_tokens", "sglang:token_usage",
        "sglang:cache_hit_rate", "sglang:gen_throughput", "sglang:time_to_first_token_seconds",
        "sglang:inter_token_latency_seconds", "sglang:e2e_request_latency_seconds",
        // dcgm-exporter
        "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_MEM_COPY_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_FB_FREE",
        "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_XID_ERRORS",
        "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
        // The portal's /metrics
        "portal_deployment_ready", "portal_deployment_replicas", "portal_gateway_requests_total",
        "portal_gateway_time_to_first_token_seconds", "portal_gateway_request_duration_seconds",
        "portal_gateway_output_tokens_total", "portal_gateway_in_flight_requests",
        // Prometheus
        "up",
    };

    private static readonly HashSet<string> Words = new(StringComparer.Ordinal)
    {
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
        "inf", "nan", "Inf", "NaN",
        "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
    };

    /// <summary>The metric names <paramref name="expr"/> selects.</summary>
    public static IReadOnlySet<string> MetricNames(string expr)
    {
        var text = Strings().Replace(expr, "\"\"");
        text = Matchers().Replace(text, "{}");
        text = Ranges().Replace(text, "");
        text = Grouping().Replace(text, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Identifier().Matches(text))
        {
            var rest = text[(m.Index + m.Length)..].TrimStart();
            if (!Words.Contains(m.Value) && !rest.StartsWith('('))
            {
                names.Add(m.Value);
            }
        }

        return names;
    }

    /// <summary>A histogram series name (x_bucket, x_sum, x_count) as its base name.</summary>
    public static string BaseName(string name) => Suffix().Replace(name, "");

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:.$])[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifier();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex Suffix();
}
