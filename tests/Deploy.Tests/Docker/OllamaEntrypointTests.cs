using System.Diagnostics;

namespace Portal.Deploy.Tests.Docker;

/// <summary>
/// deploy/docker/ollama-entrypoint.sh run by /bin/sh, with a stand-in `ollama` first on
/// PATH that records what it is asked to do (the real one needs the Ollama image): it
/// starts the server, pulls the listed models once the server answers, forwards SIGTERM
/// and exits with the server's status.
/// </summary>
public sealed class OllamaEntrypointTests
{
    private const string StandIn = """
        #!/bin/sh
        # Stand-in for ollama: "list" fails until it has been asked twice (server starting).
        case "$1" in
          serve)
            echo serve >> "$FAKE_DIR/log"
            trap 'echo stopped >> "$FAKE_DIR/log"; exit 0' TERM
            while :; do sleep 0.1; done ;;
          list)
            n=$(cat "$FAKE_DIR/lists" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$FAKE_DIR/lists"
            [ "$n" -ge 3 ] ;;
          *)
            echo "$*" >> "$FAKE_DIR/log" ;;
        esac
        """;

    [Fact]
    public async Task It_serves_pulls_the_listed_models_once_the_server_answers_and_stops_on_SIGTERM()
    {
        using var dir = new TempDir();
        using var entrypoint = Start(dir, ["serve"], "qwen2.5:7b llama3.1:8b");
        var log = Path.Combine(dir.Path, "log");

        await WaitForAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("pull llama3.1:8b", StringComparison.Ordinal));
        Assert.Equal(["serve", "pull qwen2.5:7b", "pull llama3.1:8b"], File.ReadAllLines(log));
        Assert.Equal("3", File.ReadAllText(Path.Combine(dir.Path, "lists")).Trim());
        Assert.False(entrypoint.HasExited);

        var kill = await ExternalTool.RunAsync("kill", ["-TERM", entrypoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, kill.ExitCode);
        await entrypoint.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(0, entrypoint.ExitCode);
        Assert.Equal("stopped", File.ReadAllLines(log)[^1]);
    }

    [Fact]
    public async Task Other_commands_go_straight_to_ollama()
    {
        using var dir = new TempDir();
        using var entrypoint = Start(dir, ["run", "qwen2.5:7b"], "");

        await entrypoint.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(0, entrypoint.ExitCode);
        Assert.Equal(["run qwen2.5:7b"], File.ReadAllLines(Path.Combine(dir.Path, "log")));
    }

    private static Process Start(TempDir dir, string[] args, string models)
    {
        var bin = Directory.CreateDirectory(Path.Combine(dir.Path, "bin")).FullName;
        var ollama = Path.Combine(bin, "ollama");
        File.WriteAllText(ollama, StandIn.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(ollama, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add(Repo.PathOf("deploy/docker/ollama-entrypoint.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["FAKE_DIR"] = dir.Path;
        start.Environment["OLLAMA_PULL_MODELS"] = models;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { }; // the script's progress lines
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "timed out");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
