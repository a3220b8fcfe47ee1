using System.Net.Http.Json;
using System.Text.Json;
using Portal.Simulator;
using Portal.TestSupport;

namespace Portal.Tests.Api;

/// <summary>
/// Ollama pulls a model layer by layer (each blob with its own digest and total) and reports failures as an error
/// line inside its 200 stream; the product shows one overall progress that never goes back, and a failed pull as a
/// failed operation with Ollama's own words.
/// </summary>
public sealed class OllamaPullTests
{
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pull_progress_over_several_layers_only_grows_and_ends_at_100()
    {
        await using var env = await PortalOnSimulator.StartAsync(PortalOnSimulator.FastSimulator with { OllamaPullDuration = TimeSpan.FromSeconds(3) }, cancellationToken: Ct);
        using var api = env.ApiClient();
        (await api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "layers", @namespace = "default", framework = "ollama", model = "qwen2.5:7b", replicas = 1, gpusPerReplica = 0 }, Ct)).EnsureSuccessStatusCode();

        var seen = new List<double>();
        await env.WaitForDeploymentAsync("layers", d =>
        {
            if (d.PullPercent is { } percent && (seen.Count == 0 || seen[^1] != percent))
            {
                seen.Add(percent);
            }

            return d.State == "ready";
        }, TimeSpan.FromSeconds(45), Ct);

        Assert.Equal(100, seen.LastOrDefault());
        Assert.True(seen.Count >= 3, $"progress was seen moving: {string.Join(", ", seen)}");
        Assert.Equal(seen.Order(), seen); // never backwards
    }

    [Theory]
    [InlineData(OllamaPullFault.UnknownModel, "pull model manifest: file does not exist")]
    [InlineData(OllamaPullFault.DiskFull, "no space left on device")]
    public async Task A_failed_pull_fails_its_operation_with_ollamas_message(OllamaPullFault fault, string message)
    {
        await using var env = await PortalOnSimulator.StartAsync(cancellationToken: Ct);
        env.Cluster.Faults.OllamaPull = fault;
        using var api = env.ApiClient();
        (await api.PostAsJsonAsync("/api/v1/deployments",
            new { name = "broken-pull", @namespace = "default", framework = "ollama", model = "qwen2.5:0.5b", replicas = 1, gpusPerReplica = 0 }, Ct)).EnsureSuccessStatusCode();

        var failed = await env.WaitForDeploymentAsync("broken-pull", d => d.State == "failed", TimeSpan.FromSeconds(30), Ct);

        Assert.Contains(message, failed.LastError);
        using var operations = JsonDocument.Parse(await api.GetStringAsync("/api/v1/deployments/broken-pull/operations", Ct));
        var pull = operations.RootElement.EnumerateArray().First(o => o.GetProperty("kind").GetString() == "pullmodel");
        Assert.Equal("failed", pull.GetProperty("outcome").GetString());
        Assert.Contains(message, pull.GetProperty("message").GetString());
    }
}
