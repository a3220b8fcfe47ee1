using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Manifests;

namespace Portal.Domain.Tests.Deployments;

/// <summary>
/// Property-style tests: thousands of generated specs, each broken in one random way, must be
/// rejected at the right field and must never render; generated valid specs always render.
/// </summary>
public sealed partial class ValidationPropertyTests
{
    private const int Cases = 3000;

    private delegate (DeploymentSpec Spec, string Field) Breaker(Random random, DeploymentSpec valid);

    private static readonly (string Name, Breaker Break)[] Breakers =
    [
        ("name", (r, s) => (s with { Name = BadName(r) }, "name")),
        ("model", (r, s) => (s with { Model = BadModel(r, s) }, "model")),
        ("gpus", (r, s) => (s with { GpusPerReplica = BadGpuCount(r, s), Engine = s.Engine with { TensorParallel = null } }, "gpusPerReplica")),
        ("tensor parallel", (r, s) => BadTensorParallel(r, s)),
        ("reserved flag", (r, s) => WithArg(r, s, ReservedFlag(r, s))),
        ("control character", (r, s) => WithArg(r, s, Insert(r, "--enforce-eager", (char)r.Next(0, 32)))),
        ("shell syntax", (r, s) => WithArg(r, s, Insert(r, "--log-level", ";|&$`<>\\"[r.Next(8)]))),
        ("env name", (r, s) => BadEnv(r, s)),
        ("memory", (r, s) => (s with { Memory = BadQuantity(r) }, "memory")),
        ("cpu", (r, s) => (s with { Cpu = BadQuantity(r) }, "cpu")),
        ("cache size", (r, s) => (s with { Persistence = new PersistenceSpec { Enabled = true, Size = BadQuantity(r) } }, "persistence.size")),
        ("autoscaling range", (r, s) => (s with
        {
            Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Hpa, Metric = "cpu", MinReplicas = r.Next(3, 10), MaxReplicas = r.Next(0, 3) },
            Cpu = "1",
        }, "autoscaling.maxReplicas")),
    ];

    [Fact]
    public void Every_generated_bad_input_is_rejected_at_its_field_and_never_rendered()
    {
        var random = new Random(20240917);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < Cases; i++)
        {
            var valid = RandomValidSpec(random);
            var (name, breaker) = Breakers[random.Next(Breakers.Length)];
            if (name is "reserved flag" or "control character" or "shell syntax" && !EngineProfiles.Get(valid.Framework).AcceptsExtraArgs)
            {
                continue;
            }

            var (spec, field) = breaker(random, valid);
            var result = DeploymentSpecValidator.Validate(spec, ClusterLimits.Default);

            Assert.True(result.Errors.ContainsKey(field),
                $"case {i} ({name}): expected an error at {field} for {Describe(spec)}; got {result}");
            Assert.Throws<InvalidDeploymentSpecException>(() => ManifestRenderer.Render(spec, 1));
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }

        Assert.All(Breakers, b => Assert.True(counts.GetValueOrDefault(b.Name) > 50, $"{b.Name} ran too rarely"));
    }

    [Fact]
    public void Every_generated_valid_spec_renders_objects_kubernetes_accepts()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var spec = RandomValidSpec(random);
            var result = DeploymentSpecValidator.Validate(spec, ClusterLimits.Default);
            Assert.True(result.IsValid, $"case {i}: {Describe(spec)}: {result}");

            var manifests = ManifestRenderer.Render(spec, i);
            foreach (var obj in manifests.All.Cast<IMetadata<V1ObjectMeta>>())
            {
                Assert.Matches(Dns1123Label(), obj.Metadata.Name);
                Assert.All(obj.Metadata.Labels.Values, v => Assert.Matches(LabelValue(), v));
            }

            var container = manifests.StatefulSet.Spec.Template.Spec.Containers.Single();
            Assert.All(container.Command.Concat(container.Args), a => Assert.DoesNotContain(a, c => char.IsControl(c)));
            Assert.Equal(manifests.All.Count(), ManifestYaml.Deserialize(ManifestYaml.Serialize(manifests)).Count);
        }
    }

    private static DeploymentSpec RandomValidSpec(Random r)
    {
        var profile = EngineProfiles.All[r.Next(EngineProfiles.All.Count)];
        var gpus = profile.RequiresGpu ? 1 << r.Next(0, 4) : r.Next(0, 3);
        var divisors = Enumerable.Range(1, Math.Max(gpus, 1)).Where(d => gpus % d == 0).ToArray();
        var hf = profile.ModelIdFormat == ModelIdFormat.HuggingFace;
        var autoscaling = r.Next(3) switch
        {
            0 => new AutoscalingSpec(),
            1 => new AutoscalingSpec { Mode = AutoscalingMode.Hpa, Metric = "cpu", Target = r.Next(10, 95), MinReplicas = 1, MaxReplicas = r.Next(1, 10) },
            _ => new AutoscalingSpec
            {
                Mode = AutoscalingMode.Keda,
                Metric = hf ? "requests-waiting" : "cpu",
                Target = r.Next(1, 20), MinReplicas = 0, MaxReplicas = r.Next(1, 10),
            },
        };
        return new DeploymentSpec
        {
            Name = "m" + RandomString(r, "abcdefghijklmnopqrstuvwxyz0123456789-", r.Next(0, 40)) + "x",
            Namespace = Pick(r, "default", "models", "team-a"),
            Framework = profile.Id,
            Model = hf ? Pick(r, "Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct", "org/name.v2_x")
                       : Pick(r, "qwen2.5:7b", "llama3.1", "library/mistral:7b-instruct"),
            Replicas = r.Next(0, 8),
            GpusPerReplica = gpus,
            GpuType = gpus > 0 && r.Next(2) == 0 ? Pick(r, "NVIDIA-H100-80GB-HBM3", "NVIDIA-L4") : null,
            Cpu = Pick(r, "1", "500m", "8", "2.5"),
            Memory = r.Next(2) == 0 ? null : Pick(r, "16Gi", "64Gi", "1000M"),
            ContextLength = r.Next(2) == 0 ? null : r.Next(128, 131_073),
            Engine = profile.RequiresGpu
                ? new EngineOptions
                {
                    TensorParallel = r.Next(2) == 0 ? null : divisors[r.Next(divisors.Length)],
                    GpuMemoryFraction = r.Next(2) == 0 ? null : Math.Round(0.05 + r.NextDouble() * 0.95, 2),
                    Dtype = r.Next(2) == 0 ? null : Pick(r, "auto", "bfloat16", "float16"),
                    Quantization = r.Next(3) == 0 ? "fp8" : null,
                    MaxConcurrentSequences = r.Next(2) == 0 ? null : r.Next(1, 1024),
                    TrustRemoteCode = r.Next(2) == 0,
                }
                : new EngineOptions { MaxConcurrentSequences = r.Next(2) == 0 ? null : r.Next(1, 16) },
            ExtraArgs = profile.AcceptsExtraArgs && r.Next(2) == 0 ? ["--disable-log-requests", "--seed=42"] : [],
            Env = new Dictionary<string, string> { ["LOG_" + RandomString(r, "ABCXYZ_", 4)] = "1" },
            Persistence = new PersistenceSpec { Enabled = r.Next(4) != 0, Size = Pick(r, "20Gi", "1Ti", "500G") },
            ServiceType = (ServiceKind)r.Next(3),
            Autoscaling = autoscaling,
            HuggingFaceTokenSecret = hf && r.Next(2) == 0 ? "hf-token" : null,
        };
    }

    private static string BadName(Random r) => r.Next(5) switch
    {
        0 => "m" + RandomString(r, "abc", r.Next(52, 80)),
        1 => RandomString(r, "0123456789-", 1) + "abc",
        2 => "abc" + RandomString(r, "_. A/Z:", 1) + "d",
        3 => "abc-",
        _ => "",
    };

    private static string BadModel(Random r, DeploymentSpec s) =>
        EngineProfiles.Get(s.Framework).ModelIdFormat == ModelIdFormat.HuggingFace
            ? Pick(r, "no-slash", "a/b/c", "org/ name", "/abs/path", "org/-x", "org/x--y", "qwen2.5:7b")
            : Pick(r, "a:b:c", "name with space", ":tag", "name:", "-x", "x/y/z/w");

    private static int BadGpuCount(Random r, DeploymentSpec s) =>
        r.Next(2) == 0 ? r.Next(9, 1000) : (EngineProfiles.Get(s.Framework).RequiresGpu ? -r.Next(0, 5) : -r.Next(1, 5));

    private static (DeploymentSpec, string) BadTensorParallel(Random r, DeploymentSpec s)
    {
        if (!EngineProfiles.Get(s.Framework).RequiresGpu)
        {
            return (s with { Engine = s.Engine with { TensorParallel = r.Next(1, 9) } }, "engine.tensorParallel");
        }

        var gpus = r.Next(1, 9);
        var tp = Enumerable.Range(1, 16).Where(t => gpus % t != 0).ToArray();
        return (s with { GpusPerReplica = gpus, Engine = s.Engine with { TensorParallel = tp[r.Next(tp.Length)] } }, "engine.tensorParallel");
    }

    private static string ReservedFlag(Random r, DeploymentSpec s)
    {
        var flags = s.Framework == "vllm"
            ? new[] { "--model", "--host", "--port", "--tensor-parallel-size", "--max-model-len", "--served-model-name", "--dtype", "-tp" }
            : ["--model-path", "--host", "--port", "--tp-size", "--context-length", "--enable-metrics", "--mem-fraction-static"];
        var flag = flags[r.Next(flags.Length)];
        return r.Next(3) switch
        {
            0 => flag + "=" + r.Next(100),
            1 when flag.StartsWith("--", StringComparison.Ordinal) => flag.Replace('-', '_').Replace("__", "--", StringComparison.Ordinal),
            _ => flag,
        };
    }

    private static (DeploymentSpec, string) WithArg(Random r, DeploymentSpec s, string arg)
    {
        var args = new List<string> { "--disable-log-requests", "--seed=1" };
        var at = r.Next(args.Count + 1);
        args.Insert(at, arg);
        return (s with { ExtraArgs = args }, $"extraArgs[{at}]");
    }

    private static (DeploymentSpec, string) BadEnv(Random r, DeploymentSpec s)
    {
        var name = Pick(r, "1ABC", "HAS SPACE", "A=B", "", "NAMÉ", "TAB\tX", "X$Y");
        return (s with { Env = new Dictionary<string, string> { ["OK_VAR"] = "1", [name] = "v" } }, $"env.{name}");
    }

    private static string BadQuantity(Random r) =>
        Pick(r, "32GB", "lots", "-1Gi", "0", " 4Gi", "4Gi ", "1.5.5", "", "Gi", "1,5", "+4", "0Mi", "four");

    private static string Insert(Random r, string text, char c) => text.Insert(r.Next(text.Length + 1), c.ToString());

    private static T Pick<T>(Random r, params T[] items) => items[r.Next(items.Length)];

    private static string RandomString(Random r, string alphabet, int length) =>
        new(Enumerable.Range(0, length).Select(_ => alphabet[r.Next(alphabet.Length)]).ToArray());

    private static string Describe(DeploymentSpec spec) => KubernetesJson.Serialize(spec);

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();
}
