using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hangfire;
using k8s;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Portal.Application.Deployments;
using Portal.Reliability.Support;
using Portal.Services.Deployments;
using Portal.TestSupport;

namespace Portal.Reliability;

/// <summary>
/// A pasted Hugging Face token lives in one place, the Kubernetes Secret: the test searches the database file
/// (with its WAL), every Hangfire job's arguments, every log entry at every level, the manifests and Helm values
/// exports, the REST answers and the browser's storage for it.
/// </summary>
public sealed class SecretsTests(Chromium chromium) : IClassFixture<Chromium>
{
    private const string Token = "hf_reliabilitySecretToken0123456789abcdefXYZ";
    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pasted_token_is_in_the_kubernetes_secret_and_nowhere_else()
    {
        var logs = new CapturedLogs();
        await using var env = await PortalOnSimulator.StartAsync(
            settings: new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Debug",
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Debug",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
                ["Logging:LogLevel:Hangfire"] = "Debug",
                ["Logging:Console:LogLevel:Default"] = "Warning", // the console stays quiet; the capture sees everything
            },
            cancellationToken: Ct,
            configure: web => web.ConfigureLogging(logging => logging.AddProvider(logs)));
        using var api = env.ApiClient();
        (await api.PostAsJsonAsync("/api/v1/deployments", new
        {
            name = "gated", @namespace = "default", framework = "vllm", model = "meta-llama/Llama-3.1-8B-Instruct", replicas = 1, gpusPerReplica = 1, huggingFaceToken = Token,
        }, Ct)).EnsureSuccessStatusCode();
        await env.WaitForDeploymentAsync("gated", d => d.State == "ready", TimeSpan.FromSeconds(60), Ct);

        // Where it belongs: the Secret the pod reads it from.
        using var cluster = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(env.Cluster.KubeconfigPath));
        var secret = await cluster.CoreV1.ReadNamespacedSecretAsync("gated-hf-token", "default", cancellationToken: Ct);
        var inSecret = secret.Data?.Values.Any(v => Encoding.UTF8.GetString(v) == Token) == true || secret.StringData?.Values.Contains(Token) == true;

        var places = new Dictionary<string, string>();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(env.Portal.DatabasePath)!, "portal.db*"))
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            places[$"database file {Path.GetFileName(file)} ({bytes.Length / 1024} KiB)"] = Encoding.UTF8.GetString(bytes) + Encoding.Unicode.GetString(bytes);
        }

        var monitor = env.Portal.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var jobIds = monitor.SucceededJobs(0, 10_000).Select(j => j.Key).Concat(monitor.FailedJobs(0, 10_000).Select(j => j.Key))
            .Concat(monitor.ProcessingJobs(0, 10_000).Select(j => j.Key)).Concat(monitor.ScheduledJobs(0, 10_000).Select(j => j.Key)).ToList();
        var jobs = new StringBuilder();
        foreach (var id in jobIds)
        {
            var details = monitor.JobDetails(id);
            jobs.AppendLine($"{details?.Job?.Type.Name}.{details?.Job?.Method.Name}({JsonSerializer.Serialize(details?.Job?.Args.Where(a => a is not CancellationToken))}) {JsonSerializer.Serialize(details?.Properties)}");
            foreach (var state in details?.History ?? [])
            {
                jobs.AppendLine($"{state.StateName} {state.Reason} {JsonSerializer.Serialize(state.Data)}");
            }
        }

        places[$"Hangfire job arguments and history ({jobIds.Count} jobs)"] = jobs.ToString();
        Assert.Contains("DeploymentJobs.DeployAsync", jobs.ToString(), StringComparison.Ordinal);
        places[$"logs ({logs.Entries} entries at Debug and above)"] = logs.Text;
        places["manifests export (GET …/manifests)"] = await api.GetStringAsync("/api/v1/deployments/gated/manifests", Ct);
        await using (var scope = env.Portal.Services.CreateAsyncScope())
        {
            var deployment = (await scope.ServiceProvider.GetRequiredService<DeploymentQueries>().FindAsync("gated", Ct))!;
            var manifests = scope.ServiceProvider.GetRequiredService<DeploymentManifests>();
            places["Helm values export"] = manifests.HelmValues(deployment);
            places["manifests tab YAML"] = manifests.Yaml(deployment);
        }

        places["REST answers (deployment, list, operations)"] = await api.GetStringAsync("/api/v1/deployments/gated", Ct)
            + await api.GetStringAsync("/api/v1/deployments", Ct) + await api.GetStringAsync("/api/v1/deployments/gated/operations", Ct);
        places["browser storage while the wizard holds a pasted token"] = await BrowserStorageWithTokenTypedAsync(env);

        var found = places.Where(p => p.Value.Contains(Token, StringComparison.Ordinal)).Select(p => p.Key).ToList();
        Figures.Print("secrets", $"token in the Kubernetes Secret: {inSecret}; searched {places.Count} places ({string.Join("; ", places.Keys)}): found in {found.Count}{(found.Count > 0 ? ": " + string.Join(", ", found) : "")}");

        Assert.True(inSecret, "the token is not in the Secret gated-hf-token");
        Assert.Empty(found);
        Assert.True(logs.Entries > 100, $"only {logs.Entries} log entries were captured");
    }

    /// <summary>Types the token into the wizard as a person would, lets the draft save, and returns everything the browser stored.</summary>
    private async Task<string> BrowserStorageWithTokenTypedAsync(PortalOnSimulator env)
    {
        var watched = await chromium.NewPageAsync(env.Portal.BaseAddress);
        var page = watched.Page;
        await watched.SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        await page.GotoAsync("deployments/new");
        await watched.WaitForInteractiveAsync();
        await page.ClickAsync("#framework-vllm");
        await Next(page, "Model");
        await page.FillAsync("#catalog-search", "qwen2.5 0.5b");
        await page.ClickAsync("tr[data-model='Qwen/Qwen2.5-0.5B-Instruct'] button");
        await Next(page, "Resources");
        await Next(page, "Scaling & access");
        await page.GetByText("Paste a token").ClickAsync();
        await page.FillAsync("#hf-token", Token);
        await page.Keyboard.PressAsync("Tab");
        // The draft is saved on every change: wait until it is there (holding the choice to paste a token).
        await page.WaitForFunctionAsync("() => (localStorage.getItem('inference-portal.deploy-wizard.draft.v1') || '').includes('new')");
        await Next(page, "Advanced");
        await Chromium.ScreenshotAsync(page, "secrets-wizard-after-token");
        return await page.EvaluateAsync<string>(
            "() => JSON.stringify({ local: Object.entries(localStorage), session: Object.entries(sessionStorage), cookies: document.cookie })");
    }

    private static async Task Next(IPage page, string title)
    {
        await page.ClickAsync("#wizard-next");
        await Assertions.Expect(page.Locator("#wizard-step-title")).ToHaveTextAsync(title);
    }
}
