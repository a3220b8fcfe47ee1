using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Portal.Application.Ports;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Manifests;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// Pulls a model into engines that load models after start (Ollama's <c>/api/pull</c>), on every
/// ready pod, and records the progress (percent and bytes) on the deployment while it streams.
/// </summary>
public sealed partial class ModelPuller(
    ClusterConnection connection,
    PodAddressing addressing,
    IHttpClientFactory httpClients,
    IOperationLog log,
    TimeProvider time,
    ILogger<ModelPuller> logger) : IModelPuller
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(300);

    public async Task<int> PullOnReadyPodsAsync(Deployment deployment, CancellationToken cancellationToken)
    {
        var profile = EngineProfiles.Get(deployment.Framework);
        if (profile.ModelPullPath is not { } pullPath)
        {
            return 0;
        }

        var pods = (await connection.Client.CoreV1.ListNamespacedPodAsync(
                deployment.Namespace, labelSelector: PortalLabels.SelectorFor(deployment.Name), cancellationToken: cancellationToken))
            .Items.Where(IsReady).OrderBy(p => p.Name()).ToList();
        if (pods.Count == 0)
        {
            throw new InvalidOperationException("no ready pod to pull the model on yet");
        }

        var http = addressing.HttpClientFor(httpClients);
        for (var i = 0; i < pods.Count; i++)
        {
            var url = new Uri(addressing.BaseUri(pods[i], profile.ContainerPort), pullPath.TrimStart('/'));
            await PullAsync(http, url, deployment, podIndex: i, podCount: pods.Count, cancellationToken);
        }

        await log.UpdateDeploymentAsync(deployment.Id, d =>
        {
            d.PulledModel = deployment.Model;
            d.PulledReplicas = pods.Count;
            d.PullPercent = 100;
        }, cancellationToken);
        return pods.Count;
    }

    private async Task PullAsync(HttpClient http, Uri url, Deployment deployment, int podIndex, int podCount, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonContent.Create(new { model = deployment.Model, stream = true }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"pull of {deployment.Model} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream);
        var layers = new PullLayers();
        var lastReport = DateTimeOffset.MinValue;
        var shown = 0.0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var progress = JsonSerializer.Deserialize<PullProgress>(line, JsonSerializerOptions.Web);
            if (progress?.Error is { } error)
            {
                // Ollama reports failures as an error line inside its 200 stream.
                throw new PermanentClusterException($"pull of {deployment.Model} failed: {error}");
            }

            if (progress is { Digest: { } digest, Total: > 0 })
            {
                layers.Update(digest, progress.Total.Value, progress.Completed);
            }

            if (layers.Total > 0 && time.GetUtcNow() - lastReport >= ProgressEvery)
            {
                lastReport = time.GetUtcNow();
                var podShare = 100.0 / podCount;
                // Each layer's total arrives with its first line, so the fraction can dip when one starts: never show less than before.
                shown = Math.Max(shown, Math.Round((podIndex * podShare) + (podShare * layers.Completed / layers.Total), 1));
                var percent = shown;
                await log.UpdateDeploymentAsync(deployment.Id, d =>
                {
                    d.PullPercent = percent;
                    d.PullCompletedBytes = layers.Completed;
                    d.PullTotalBytes = layers.Total;
                }, cancellationToken);
            }

            if (progress?.Status == "success")
            {
                LogPulled(deployment.Model, url.Host);
                return;
            }
        }

        throw new InvalidOperationException($"pull of {deployment.Model} ended without success");
    }

    private static bool IsReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null
        && pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private sealed record PullProgress(string? Status, string? Digest, long? Total, long Completed, string? Error);

    /// <summary>Bytes of every layer seen so far, by digest (Ollama reports each blob of the manifest on its own lines).</summary>
    private sealed class PullLayers
    {
        private readonly Dictionary<string, (long Total, long Completed)> _layers = new(StringComparer.Ordinal);

        public long Total { get; private set; }

        public long Completed { get; private set; }

        public void Update(string digest, long total, long completed)
        {
            _layers[digest] = (total, Math.Clamp(completed, _layers.TryGetValue(digest, out var seen) ? seen.Completed : 0, total));
            Total = _layers.Values.Sum(l => l.Total);
            Completed = _layers.Values.Sum(l => l.Completed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulled {Model} on {Pod}")]
    private partial void LogPulled(string model, string pod);
}
