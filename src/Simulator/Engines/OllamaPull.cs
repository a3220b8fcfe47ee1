using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Portal.Simulator.Engines;

/// <summary>
/// Ollama's <c>/api/pull</c> (server/images.go PullModel, server/download.go): "pulling manifest", then per layer
/// (model, template, license, params, then the config blob) "pulling &lt;first 12 hex of its digest&gt;" lines with the
/// layer's own digest, total and completed bytes, then "verifying sha256 digest", "writing manifest", "success".
/// A failure after the stream began is one <c>{"error": …}</c> line inside the HTTP 200 stream.
/// </summary>
internal sealed class OllamaPull(EngineContext context, OllamaPullFault fault)
{
    private const int StepsPerLayer = 4;

    /// <summary>A layer of the model's manifest: its media type, digest and size.</summary>
    internal sealed record Layer(string MediaType, string Digest, long Size)
    {
        public string Short => Digest["sha256:".Length..][..12];
    }

    public static IReadOnlyList<Layer> LayersOf(string name, long weightsSize)
    {
        Layer Make(string mediaType, long size) =>
            new(mediaType, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name + "/" + mediaType))), size);
        return
        [
            Make("application/vnd.ollama.image.model", weightsSize),
            Make("application/vnd.ollama.image.template", 1_482),
            Make("application/vnd.ollama.image.license", 11_343),
            Make("application/vnd.ollama.image.params", 148),
            Make("application/vnd.docker.container.image.v1+json", 488),
        ];
    }

    /// <summary>Runs the pull, writing each progress object through <paramref name="write"/>; returns the error text, or null on success.</summary>
    public async Task<string?> RunAsync(string name, IReadOnlyList<Layer> layers, Func<JsonObject, Task> write, CancellationToken ct)
    {
        await write(new JsonObject { ["status"] = "pulling manifest" });
        switch (fault)
        {
            case OllamaPullFault.UnknownModel:
                // The registry answers 404, which makeRequestWithRetry turns into os.ErrNotExist.
                return "pull model manifest: file does not exist";
            case OllamaPullFault.RegistryUnreachable:
                return $"pull model manifest: Get \"{ManifestUrl(name)}\": dial tcp: lookup registry.ollama.ai: no such host";
        }

        var weightBytes = layers.Sum(l => l.Size);
        foreach (var layer in layers)
        {
            // Small layers cost one step; the weights share the configured pull time.
            var steps = layer.Size > 1_000_000 ? StepsPerLayer : 1;
            var stepTime = layer.Size > 1_000_000 ? context.OllamaPullDuration * (layer.Size / (double)weightBytes) / steps : TimeSpan.Zero;
            for (var i = 1; i <= steps; i++)
            {
                if (stepTime > TimeSpan.Zero)
                {
                    await Task.Delay(stepTime, context.Time, ct);
                }

                if (fault == OllamaPullFault.DiskFull && i == steps / 2 + 1)
                {
                    return $"write /root/.ollama/models/blobs/sha256-{layer.Digest["sha256:".Length..]}-partial: no space left on device";
                }

                await write(new JsonObject
                {
                    ["status"] = $"pulling {layer.Short}", ["digest"] = layer.Digest, ["total"] = layer.Size, ["completed"] = layer.Size * i / steps,
                });
            }
        }

        foreach (var status in new[] { "verifying sha256 digest", "writing manifest", "success" })
        {
            await write(new JsonObject { ["status"] = status });
        }

        return null;
    }

    private static string ManifestUrl(string name)
    {
        var (model, tag) = name.Split(':') is [var m, var t] ? (m, t) : (name, "latest");
        var path = model.Contains('/', StringComparison.Ordinal) ? model : "library/" + model;
        return $"https://registry.ollama.ai/v2/{path}/manifests/{tag}";
    }

    /// <summary>Writes a pull as Ollama's PullHandler does: NDJSON progress (an error as a last line), or one object with stream false.</summary>
    public static async Task RespondAsync(HttpContext http, bool stream, Func<Func<JsonObject, Task>, Task<string?>> pull, CancellationToken ct)
    {
        if (stream)
        {
            http.Response.StatusCode = 200;
            http.Response.ContentType = "application/x-ndjson";
            await http.Response.StartAsync(ct);
            var error = await pull(line => http.Response.WriteLineAsync(line, ct));
            if (error is not null)
            {
                await http.Response.WriteLineAsync(new JsonObject { ["error"] = error }, ct);
            }

            return;
        }

        var failure = await pull(_ => Task.CompletedTask);
        await http.Response.WriteJsonAsync(failure is null ? 200 : 500, failure is null ? new JsonObject { ["status"] = "success" } : new JsonObject { ["error"] = failure }, ct);
    }
}
