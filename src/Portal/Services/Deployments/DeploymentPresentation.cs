using System.Globalization;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Services.Deployments;

/// <summary>One line of a spec summary: a label and what was chosen.</summary>
public sealed record SummaryRow(string Label, string Value, bool Monospace = false);

/// <summary>How the pages put a deployment into words: spec summaries, operation titles, endpoint and job links.</summary>
public static class DeploymentPresentation
{
    public static string FrameworkName(string framework) =>
        EngineProfiles.TryGet(framework, out var profile) ? profile.DisplayName : framework;

    /// <summary>The spec as label/value rows, in the order the wizard asks for them; defaults say so.</summary>
    public static IReadOnlyList<SummaryRow> Summarize(DeploymentSpec spec)
    {
        EngineProfiles.TryGet(spec.Framework, out var profile);
        var rows = new List<SummaryRow>
        {
            new("Framework", profile is null ? spec.Framework : $"{profile.DisplayName} ({profile.Image(spec.ImageTag)})"),
            new("Model", spec.Model, true),
            new("Served as", spec.EffectiveServedModelName, true),
            new("Namespace", spec.Namespace, true),
            new("GPUs per replica", spec.GpusPerReplica == 0 ? "none (CPU only)" : $"{spec.GpusPerReplica} × {spec.GpuType ?? "any GPU"}"),
            new("CPU / memory", $"{spec.Cpu ?? "default"} / {spec.Memory ?? "default"}"),
            new("Context length", spec.ContextLength is { } context ? context.ToString("N0", CultureInfo.InvariantCulture) + " tokens" : "the model's default"),
            new("Replicas", spec.Autoscaling.Mode == AutoscalingMode.Off
                ? spec.Replicas.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture,
                    $"{spec.Autoscaling.MinReplicas}–{spec.Autoscaling.MaxReplicas} by {(spec.Autoscaling.Mode == AutoscalingMode.Hpa ? "HPA" : "KEDA")} on {AutoscalingMetrics.Signal(spec.Autoscaling.Metric)?.Label ?? spec.Autoscaling.Metric} (target {spec.Autoscaling.Target:0.##}, cooldown {spec.Autoscaling.CooldownSeconds} s)")),
            new("Service", spec.ServiceType.ToString()),
            new("Model cache", spec.Persistence.Enabled
                ? $"{spec.Persistence.Size} per replica{(spec.Persistence.StorageClass is { } sc ? $", storage class {sc}" : "")}"
                : "off (downloaded again at every start)"),
        };

        if (profile?.HuggingFaceTokenEnv is not null)
        {
            rows.Add(new("Hugging Face token", spec.HuggingFaceTokenSecret is { } secret ? $"from Secret {secret}" : "none (public models only)"));
        }

        var options = EngineOptions(spec);
        if (options.Count > 0)
        {
            rows.Add(new("Engine options", string.Join("  ", options), true));
        }

        if (spec.ExtraArgs.Count > 0)
        {
            rows.Add(new("Extra arguments", string.Join(" ", spec.ExtraArgs), true));
        }

        if (spec.Env.Count > 0)
        {
            rows.Add(new("Environment", string.Join("  ", spec.Env.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")), true));
        }

        return rows;
    }

    /// <summary>The engine options the operator set, as <c>label=value</c>.</summary>
    public static IReadOnlyList<string> EngineOptions(DeploymentSpec spec)
    {
        var e = spec.Engine;
        var list = new List<string>();
        if (e.TensorParallel is { } tp)
        {
            list.Add(string.Create(CultureInfo.InvariantCulture, $"tensor-parallel={tp}"));
        }

        if (e.GpuMemoryFraction is { } fraction)
        {
            list.Add(string.Create(CultureInfo.InvariantCulture, $"gpu-memory-fraction={fraction:0.###}"));
        }

        if (e.Dtype is { } dtype)
        {
            list.Add($"dtype={dtype}");
        }

        if (e.Quantization is { } quantization)
        {
            list.Add($"quantization={quantization}");
        }

        if (e.MaxConcurrentSequences is { } max)
        {
            list.Add(string.Create(CultureInfo.InvariantCulture, $"max-sequences={max}"));
        }

        if (e.TrustRemoteCode)
        {
            list.Add("trust-remote-code");
        }

        return list;
    }

    /// <summary>What an operation asked for, as a timeline title.</summary>
    public static string Describe(Operation operation)
    {
        var parameters = OperationParameters.FromJson(operation.Parameters);
        return operation.Kind switch
        {
            OperationKind.Deploy => operation.Revision == 1 ? "Deploy" : $"Deploy revision {operation.Revision}",
            OperationKind.Scale => $"Scale to {parameters.Replicas} replica{(parameters.Replicas == 1 ? "" : "s")}",
            OperationKind.Stop => "Stop",
            OperationKind.Start => "Start",
            OperationKind.Delete => parameters.DeleteModelCache == true ? "Delete with the model cache" : "Delete, keeping the model cache",
            OperationKind.Reconcile => "Reconcile (re-apply)",
            OperationKind.PullModel => "Pull the model",
            OperationKind.Wake => "Wake from zero replicas",
            _ => operation.Kind.ToString(),
        };
    }

    /// <summary>The Hangfire dashboard page of a job (Admins only).</summary>
    public static string JobLink(string jobId) => $"jobs/jobs/details/{Uri.EscapeDataString(jobId)}";

    /// <summary>The gateway's OpenAI-compatible base URL: <c>https://portal/v1</c>.</summary>
    public static string GatewayUrl(string baseUri) => baseUri.TrimEnd('/') + "/v1";

    public static string PlaygroundLink(string deploymentName) => $"playground?deployment={Uri.EscapeDataString(deploymentName)}";

    /// <summary>A copy-paste request against the gateway for the served model name.</summary>
    public static string CurlExample(string baseUri, string servedModelName) =>
        $"curl {GatewayUrl(baseUri)}/chat/completions \\\n  -H \"Authorization: Bearer $PORTAL_API_KEY\" -H \"Content-Type: application/json\" \\\n" +
        $"  -d '{{\"model\": \"{servedModelName}\", \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}]}}'";

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0} KiB"),
    };
}
