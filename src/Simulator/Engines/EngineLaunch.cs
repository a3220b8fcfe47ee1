using System.Text.Json.Nodes;
using Portal.Simulator.Api;

namespace Portal.Simulator.Engines;

internal enum Framework
{
    /// <summary>An image the simulator does not know: a plain HTTP server that answers 200.</summary>
    Generic,
    Vllm,
    Sglang,
    Ollama,
}

/// <summary>
/// What an engine container was told to do, read from its image, command, args and env the way the real
/// program reads its own command line.
/// </summary>
internal sealed record EngineLaunch(
    Framework Framework,
    string Image,
    string ContainerName,
    string? Model,
    IReadOnlyList<string> ServedModelNames,
    string Host,
    int Port,
    IReadOnlyDictionary<string, string> Flags,
    IReadOnlyDictionary<string, string> Env,
    int Gpus)
{
    /// <summary>Flags that take no value; any other flag takes the next word as its value.</summary>
    private static readonly HashSet<string> BooleanFlags =
    [
        "trust-remote-code", "enable-prefix-caching", "no-enable-prefix-caching", "enable-chunked-prefill", "no-enable-chunked-prefill",
        "enforce-eager", "disable-log-stats", "disable-log-requests", "enable-auto-tool-choice", "enable-lora", "enable-metrics",
        "enable-metrics-for-all-schedulers", "disable-radix-cache", "enable-force-include-usage", "kv-cache-metrics", "log-requests",
        "enable-server-load-tracking", "skip-server-warmup", "disable-cuda-graph", "enable-torch-compile", "headless", "is-embedding",
    ];

    /// <summary>Flags that take one or more values (<c>--served-model-name a b</c>).</summary>
    private static readonly HashSet<string> ListFlags = ["served-model-name", "api-key"];

    public string PrimaryModelName => ServedModelNames.Count > 0 ? ServedModelNames[0] : Model ?? "";

    public string? Flag(string name) => Flags.GetValueOrDefault(name);

    public bool HasFlag(string name) => Flags.ContainsKey(name);

    public int? IntFlag(string name) => int.TryParse(Flag(name), out var v) ? v : null;

    public double? DoubleFlag(string name) => double.TryParse(Flag(name), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>Whether the server listens only inside its own pod (SGLang's default host), out of reach of the pod IP.</summary>
    public bool ListensOnLoopbackOnly => Host is "127.0.0.1" or "localhost" or "::1";

    public static Framework FrameworkOf(string image)
    {
        var repository = image.Split('@')[0];
        var colon = repository.LastIndexOf(':');
        if (colon > repository.LastIndexOf('/'))
        {
            repository = repository[..colon];
        }

        repository = repository.Replace("docker.io/", "", StringComparison.Ordinal).Replace("library/", "", StringComparison.Ordinal);
        return repository switch
        {
            _ when repository.StartsWith("vllm/vllm-openai", StringComparison.Ordinal) || repository.EndsWith("/vllm-openai", StringComparison.Ordinal) => Framework.Vllm,
            _ when repository.StartsWith("lmsysorg/sglang", StringComparison.Ordinal) => Framework.Sglang,
            _ when repository.StartsWith("ollama/ollama", StringComparison.Ordinal) => Framework.Ollama,
            _ => Framework.Generic,
        };
    }

    public static EngineLaunch FromContainer(JsonObject container, IReadOnlyDictionary<string, string> env, int gpus)
    {
        var image = (string?)container["image"] ?? "";
        var framework = FrameworkOf(image);
        var command = Strings(container["command"]);
        var args = Strings(container["args"]);
        var argv = command.Count == 0 ? Entrypoint(framework).Concat(args).ToList() : command.Concat(args).ToList();
        argv = UnwrapShell(argv);
        var (positional, flags) = ParseFlags(argv);
        var name = (string?)container["name"] ?? "";

        switch (framework)
        {
            case Framework.Vllm:
            {
                // vllm serve MODEL | python3 -m vllm.entrypoints.openai.api_server --model MODEL
                var serve = positional.IndexOf("serve");
                var model = flags.GetValueOrDefault("model") ?? (serve >= 0 && serve + 1 < positional.Count ? positional[serve + 1] : null);
                var port = int.TryParse(flags.GetValueOrDefault("port"), out var p) ? p : 8000;
                return new(framework, image, name, model, ServedNames(flags, model), flags.GetValueOrDefault("host") ?? "0.0.0.0", port, flags, env, gpus);
            }

            case Framework.Sglang:
            {
                // python3 -m sglang.launch_server --model-path MODEL | sglang serve MODEL
                var serve = positional.IndexOf("serve");
                var model = flags.GetValueOrDefault("model-path") ?? flags.GetValueOrDefault("model")
                    ?? (serve >= 0 && serve + 1 < positional.Count ? positional[serve + 1] : null);
                var port = int.TryParse(flags.GetValueOrDefault("port"), out var p) ? p : 30000;
                return new(framework, image, name, model, ServedNames(flags, model), flags.GetValueOrDefault("host") ?? "127.0.0.1", port, flags, env, gpus);
            }

            case Framework.Ollama:
            {
                var hostPort = env.GetValueOrDefault("OLLAMA_HOST") ?? "0.0.0.0:11434";
                hostPort = hostPort.Replace("http://", "", StringComparison.Ordinal);
                var colon = hostPort.LastIndexOf(':');
                var host = colon >= 0 ? hostPort[..colon] : hostPort;
                var port = colon >= 0 && int.TryParse(hostPort[(colon + 1)..], out var p) ? p : 11434;
                return new(framework, image, name, null, [], host.Length == 0 ? "0.0.0.0" : host, port, flags, env, gpus);
            }

            default:
            {
                var port = (container["ports"] as JsonArray)?.OfType<JsonObject>().Select(x => x.Long("containerPort")).FirstOrDefault() is { } cp ? (int)cp : 0;
                return new(framework, image, name, null, [], "0.0.0.0", port, flags, env, gpus);
            }
        }
    }

    private static List<string> ServedNames(Dictionary<string, string> flags, string? model) =>
        flags.TryGetValue("served-model-name", out var names)
            ? names.Split('\u0000', StringSplitOptions.RemoveEmptyEntries).ToList()
            : model is null ? [] : [model];

    private static IEnumerable<string> Entrypoint(Framework framework) => framework switch
    {
        Framework.Vllm => ["vllm", "serve"],
        Framework.Ollama => ["/bin/ollama", "serve"],
        _ => [],
    };

    /// <summary><c>sh -c "vllm serve m --port 8000"</c> runs the words of its script.</summary>
    private static List<string> UnwrapShell(List<string> argv)
    {
        if (argv.Count >= 3 && argv[0] is "sh" or "/bin/sh" or "bash" or "/bin/bash" && argv[1] == "-c")
        {
            return argv[2].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('"', '\'')).ToList();
        }

        return argv;
    }

    private static (List<string> Positional, Dictionary<string, string> Flags) ParseFlags(List<string> argv)
    {
        var positional = new List<string>();
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < argv.Count; i++)
        {
            var word = argv[i];
            if (!word.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(word);
                continue;
            }

            var name = word[2..];
            var equals = name.IndexOf('=');
            if (equals >= 0)
            {
                flags[Normalise(name[..equals])] = name[(equals + 1)..];
                continue;
            }

            name = Normalise(name);
            if (BooleanFlags.Contains(name))
            {
                flags[name] = "true";
            }
            else if (ListFlags.Contains(name))
            {
                var values = new List<string>();
                while (i + 1 < argv.Count && !argv[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    values.Add(argv[++i]);
                }

                flags[name] = string.Join('\u0000', values);
            }
            else if (i + 1 < argv.Count && !argv[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                flags[name] = argv[++i];
            }
            else
            {
                flags[name] = "true";
            }
        }

        return (positional, flags);
    }

    /// <summary>vLLM's argparse accepts <c>--gpu_memory_utilization</c> for <c>--gpu-memory-utilization</c>.</summary>
    private static string Normalise(string flag) => flag.Replace('_', '-');

    private static List<string> Strings(JsonNode? node) => (node as JsonArray)?.Select(n => n?.ToString() ?? "").ToList() ?? [];
}
