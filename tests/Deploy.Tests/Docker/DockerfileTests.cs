using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Portal.Deploy.Tests.Docker;

/// <summary>
/// deploy/docker: what can be checked without a Docker engine. The portal image is built
/// from what exists in the repository, runs as the user the chart expects, and the engine
/// images start their servers the way the engines' current documentation says.
/// </summary>
public sealed partial class DockerfileTests
{
    [Fact]
    public void The_portal_image_publishes_src_Portal_and_runs_it_as_a_non_root_user_on_port_8080()
    {
        var file = Dockerfile.Load("portal.Dockerfile");
        var (build, runtime) = (file.Stages[0], file.Stages[^1]);

        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", file.Image(build));
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", file.Image(runtime));
        Assert.Contains(build.All("RUN"), run => run.Contains("dotnet publish src/Portal/Portal.csproj -c Release", StringComparison.Ordinal));

        var user = Assert.Single(runtime.All("USER"));
        Assert.True(user == "$APP_UID" || (int.TryParse(user, out var uid) && uid > 0), $"USER {user} is root or unknown");
        Assert.Equal(["8080"], runtime.All("EXPOSE"));
        Assert.Contains(runtime.All("ENV"), env => env.Contains("ASPNETCORE_HTTP_PORTS=8080", StringComparison.Ordinal));
        Assert.Equal(["dotnet", $"{AssemblyName("src/Portal/Portal.csproj")}.dll"], Exec(Assert.Single(runtime.All("ENTRYPOINT"))));

        // No RUN in the runtime stage, so a shell-less (chiseled) runtime image works too.
        Assert.Empty(runtime.All("RUN"));
    }

    [Fact]
    public void The_portal_image_and_the_chart_agree_on_the_user_and_the_data_folder()
    {
        var file = Dockerfile.Load("portal.Dockerfile");
        var chown = Assert.Single(file.Stages[0].All("RUN"), run => run.Contains("chown", StringComparison.Ordinal));
        var chartUser = (int)Yaml.ParseFile("deploy/helm/inference-portal", "values.yaml")!["podSecurityContext"]!["runAsUser"]!;

        Assert.Contains($"mkdir -p /data && chown {chartUser}:{chartUser} /data", chown, StringComparison.Ordinal);
        Assert.Contains(file.Stages[^1].All("COPY"), copy => copy.Contains($"--chown={chartUser}:{chartUser} /data /data", StringComparison.Ordinal));
        Assert.Equal(1654, chartUser); // APP_UID of the .NET 8+ images
    }

    [Fact]
    public void Everything_the_portal_build_needs_is_copied_and_not_ignored()
    {
        var file = Dockerfile.Load("portal.Dockerfile");
        var copied = file.Stages[0].All("COPY")
            .SelectMany(copy => copy.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).SkipLast(1))
            .ToList();
        Assert.All(copied, source => Assert.True(File.Exists(Repo.PathOf(source)) || Directory.Exists(Repo.PathOf(source)), $"COPY {source}: not in the repository"));

        var ignored = Repo.Read("deploy/docker/portal.Dockerfile.dockerignore").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.All(copied, source => Assert.DoesNotContain(source.TrimEnd('/') + "/", ignored));

        // Every project the portal references, transitively, lies in a copied folder.
        var folders = copied.Where(s => s.EndsWith('/')).ToList();
        Assert.All(ProjectClosure("src/Portal/Portal.csproj"), project =>
            Assert.True(folders.Any(f => project.StartsWith(f, StringComparison.Ordinal)), $"{project} is referenced but not copied into the build"));
    }

    [Fact]
    public void The_vLLM_image_appends_arguments_to_its_vllm_serve_entrypoint()
    {
        var file = Dockerfile.Load("vllm.Dockerfile");
        var stage = Assert.Single(file.Stages);

        Assert.StartsWith("vllm/vllm-openai:v0.", file.Image(stage), StringComparison.Ordinal);
        Assert.Equal(["vllm", "serve"], Exec(Assert.Single(stage.All("ENTRYPOINT"))));
        var args = Exec(Assert.Single(stage.All("CMD")));
        Assert.Matches(ModelId(), args[0]);
        Assert.DoesNotContain("serve", args);
        Assert.DoesNotContain("vllm", args);
        AssertFlag(args, "--host", "0.0.0.0");
        AssertFlag(args, "--port", "8000");
        Assert.Equal(["8000"], stage.All("EXPOSE"));
    }

    [Fact]
    public void The_SGLang_image_starts_the_documented_launch_server_with_metrics_on_all_interfaces()
    {
        var file = Dockerfile.Load("sglang.Dockerfile");
        var stage = Assert.Single(file.Stages);

        Assert.StartsWith("lmsysorg/sglang:v0.", file.Image(stage), StringComparison.Ordinal);
        Assert.Equal(["python3", "-m", "sglang.launch_server"], Exec(Assert.Single(stage.All("ENTRYPOINT"))));
        var args = Exec(Assert.Single(stage.All("CMD")));
        AssertFlag(args, "--model-path", "Qwen/Qwen2.5-0.5B-Instruct");
        AssertFlag(args, "--host", "0.0.0.0");
        AssertFlag(args, "--port", "30000");
        Assert.Contains("--enable-metrics", args);
        Assert.DoesNotContain(file.Instructions, i => i.Arguments.Contains("sglang serve", StringComparison.Ordinal));
        Assert.Equal(["30000"], stage.All("EXPOSE"));
    }

    [Fact]
    public void The_Ollama_image_serves_on_all_interfaces_through_its_entrypoint_script()
    {
        var file = Dockerfile.Load("ollama.Dockerfile");
        var stage = Assert.Single(file.Stages);

        Assert.StartsWith("ollama/ollama:0.", file.Image(stage), StringComparison.Ordinal);
        Assert.Contains(stage.All("ENV"), env => env.Contains("OLLAMA_HOST=0.0.0.0:11434", StringComparison.Ordinal));
        Assert.Equal(["11434"], stage.All("EXPOSE"));
        Assert.Equal(["serve"], Exec(Assert.Single(stage.All("CMD"))));

        var entrypoint = Assert.Single(Exec(Assert.Single(stage.All("ENTRYPOINT"))));
        var script = Path.GetFileName(entrypoint);
        Assert.Contains(stage.All("COPY"), copy => copy.Contains($"{script} {entrypoint}", StringComparison.Ordinal));
        var source = Repo.PathOf("deploy/docker", script);
        Assert.True(File.Exists(source), $"{script} is missing");
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(source).HasFlag(UnixFileMode.UserExecute), $"{script} is not executable");
        Assert.StartsWith("#!/bin/sh", File.ReadAllText(source), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vllm", "vllm.Dockerfile")]
    [InlineData("sglang", "sglang.Dockerfile")]
    [InlineData("ollama", "ollama.Dockerfile")]
    public void Each_engine_image_pins_the_image_and_port_of_the_portals_engine_profile(string framework, string dockerfile)
    {
        var profile = Portal.Domain.Engines.EngineProfiles.Get(framework);
        var file = Dockerfile.Load(dockerfile);
        var stage = Assert.Single(file.Stages);

        Assert.Equal(profile.Image(), file.Image(stage));
        Assert.Equal([profile.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)], stage.All("EXPOSE"));
        if (framework != "ollama")
        {
            // What the portal's pods run is what the image's entrypoint runs.
            Assert.Equal(profile.Command, Exec(Assert.Single(stage.All("ENTRYPOINT"))));
        }
    }

    private static void AssertFlag(string[] args, string flag, string value)
    {
        var at = Array.IndexOf(args, flag);
        Assert.True(at >= 0 && at + 1 < args.Length, $"{flag} missing from [{string.Join(", ", args)}]");
        Assert.Equal(value, args[at + 1]);
    }

    /// <summary>The array of an exec-form ENTRYPOINT or CMD.</summary>
    private static string[] Exec(string arguments) =>
        JsonNode.Parse(arguments)!.AsArray().Select(a => (string)a!).ToArray();

    private static string AssemblyName(string project) =>
        XDocument.Load(Repo.PathOf(project)).Descendants("AssemblyName").FirstOrDefault()?.Value
        ?? Path.GetFileNameWithoutExtension(project);

    /// <summary>A project and every project it references, as repository paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>([project]);
        while (todo.TryPop(out var next))
        {
            if (!seen.Add(next))
            {
                continue;
            }

            var dir = Path.GetDirectoryName(Repo.PathOf(next))!;
            foreach (var reference in XDocument.Load(Repo.PathOf(next)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(dir, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                todo.Push(Path.GetRelativePath(Repo.Root, full).Replace('\\', '/'));
            }
        }

        return seen;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
    private static partial Regex ModelId();

    private sealed record Instruction(string Keyword, string Arguments);

    private sealed record Stage(string From, List<Instruction> Instructions)
    {
        public List<string> All(string keyword) =>
            Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments).ToList();
    }

    /// <summary>A Dockerfile as instructions (continuations joined, comments dropped) and stages.</summary>
    private sealed record Dockerfile(List<Instruction> Instructions, Dictionary<string, string> GlobalArgs, List<Stage> Stages)
    {
        public static Dockerfile Load(string name)
        {
            var instructions = new List<Instruction>();
            var pending = "";
            foreach (var raw in Repo.Read("deploy/docker", name).Split('\n'))
            {
                var line = raw.TrimEnd();
                if (pending.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0))
                {
                    continue;
                }

                if (line.TrimStart().StartsWith('#'))
                {
                    continue; // a comment inside a continued instruction
                }

                if (line.EndsWith('\\'))
                {
                    pending += line[..^1].Trim() + " ";
                    continue;
                }

                var full = (pending + line.Trim()).Trim();
                pending = "";
                var space = full.IndexOf(' ', StringComparison.Ordinal);
                instructions.Add(new Instruction(full[..space].ToUpperInvariant(), full[(space + 1)..].Trim()));
            }

            var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
            var stages = new List<Stage>();
            foreach (var instruction in instructions)
            {
                if (instruction.Keyword == "FROM")
                {
                    stages.Add(new Stage(instruction.Arguments, []));
                }
                else if (stages.Count == 0 && instruction.Keyword == "ARG" && instruction.Arguments.Split('=', 2) is [var key, var value])
                {
                    globalArgs[key] = value;
                }
                else if (stages.Count > 0)
                {
                    stages[^1].Instructions.Add(instruction);
                }
            }

            return new Dockerfile(instructions, globalArgs, stages);
        }

        /// <summary>The stage's base image with global ARG defaults filled in.</summary>
        public string Image(Stage stage)
        {
            var image = stage.From.Split(' ').First(p => !p.StartsWith("--", StringComparison.Ordinal));
            return ArgReference().Replace(image, m => GlobalArgs[m.Groups[1].Value]);
        }
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex ArgReference();
}
