using System.Diagnostics;

namespace Portal.Simulator.Tests;

/// <summary>Runs the machine's kubectl against a simulator, with a discovery cache of its own.</summary>
internal sealed class Kubectl(SimulatedCluster cluster) : IDisposable
{
    private readonly string _cacheDir = Directory.CreateTempSubdirectory("kubectl-cache-").FullName;

    public async Task<string> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in new[] { "--kubeconfig", cluster.KubeconfigPath, "--cache-dir", _cacheDir, "--request-timeout", "20s" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var ct = Xunit.TestContext.Current.CancellationToken;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            Assert.Fail($"kubectl {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }

        return await stdout;
    }

    public void Dispose() => Directory.Delete(_cacheDir, recursive: true);
}
