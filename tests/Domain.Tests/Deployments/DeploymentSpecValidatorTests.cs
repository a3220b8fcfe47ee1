using System.Text.Json;
using Portal.Domain.Deployments;

namespace Portal.Domain.Tests.Deployments;

public sealed class DeploymentSpecValidatorTests
{
    private static SpecValidationResult Validate(DeploymentSpec spec, ClusterLimits? limits = null) =>
        DeploymentSpecValidator.Validate(spec, limits ?? ClusterLimits.Default);

    private static void AssertRejected(DeploymentSpec spec, string field, string? messagePart = null, ClusterLimits? limits = null)
    {
        var result = Validate(spec, limits);
        Assert.False(result.IsValid, $"expected an error at {field}");
        Assert.True(result.Errors.ContainsKey(field), $"expected an error at {field}, got: {result}");
        if (messagePart is not null)
        {
            Assert.Contains(result.Errors[field], m => m.Contains(messagePart, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void The_example_spec_of_each_framework_is_valid(string framework)
    {
        var result = Validate(Specs.For(framework));
        Assert.True(result.IsValid, result.ToString());
    }

    [Fact]
    public void A_spec_with_only_name_framework_and_model_is_valid()
    {
        var spec = new DeploymentSpec { Name = "m", Framework = "vllm", Model = "Qwen/Qwen2.5-0.5B-Instruct" };
        Assert.True(Validate(spec).IsValid, Validate(spec).ToString());
    }

    [Theory]
    [InlineData("Qwen")]
    [InlineData("my_model")]
    [InlineData("-model")]
    [InlineData("model-")]
    [InlineData("a.b")]
    [InlineData("7b-model")]
    [InlineData("")]
    public void Name_must_be_a_dns_label_starting_with_a_letter(string name) =>
        AssertRejected(Specs.Vllm with { Name = name }, "name");

    [Fact]
    public void Name_longer_than_the_statefulset_limit_is_rejected()
    {
        Assert.True(Validate(Specs.Vllm with { Name = new string('a', 52) }).IsValid);
        AssertRejected(Specs.Vllm with { Name = new string('a', 53) }, "name", "at most 52");
    }

    [Fact]
    public void Name_message_explains_the_rule() =>
        AssertRejected(Specs.Vllm with { Name = "My_Model" }, "name",
            "Name must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit.");

    [Theory]
    [InlineData("vllm", "qwen2.5:7b")]
    [InlineData("vllm", "Qwen2.5-7B-Instruct")]
    [InlineData("vllm", "Qwen/Qwen2.5 7B")]
    [InlineData("vllm", "Qwen//x")]
    [InlineData("vllm", "a/b/c")]
    [InlineData("sglang", "/models/llama")]
    [InlineData("sglang", "org/-name")]
    [InlineData("ollama", "qwen2.5:7b:latest")]
    [InlineData("ollama", "qwen 2.5")]
    [InlineData("ollama", ":7b")]
    [InlineData("ollama", "qwen2.5:")]
    public void Model_must_match_the_framework_format(string framework, string model) =>
        AssertRejected(Specs.For(framework) with { Model = model }, "model");

    [Theory]
    [InlineData("ollama", "llama3.1")]
    [InlineData("ollama", "qwen2.5:0.5b-instruct-q4_K_M")]
    [InlineData("ollama", "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M")]
    [InlineData("vllm", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B")]
    public void Real_model_ids_are_accepted(string framework, string model) =>
        Assert.True(Validate(Specs.For(framework) with { Model = model }).IsValid);

    [Fact]
    public void Unknown_framework_is_rejected() =>
        AssertRejected(Specs.Vllm with { Framework = "tgi" }, "framework", "vllm, sglang, ollama");

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(9)]
    [InlineData(1000)]
    public void Gpu_count_must_be_at_least_one_and_fit_a_node(int gpus) =>
        AssertRejected(Specs.Vllm with { GpusPerReplica = gpus, Engine = Specs.Vllm.Engine with { TensorParallel = null } }, "gpusPerReplica");

    [Fact]
    public void Gpu_limit_follows_the_cluster() =>
        AssertRejected(Specs.Vllm with { GpusPerReplica = 4, Engine = Specs.Vllm.Engine with { TensorParallel = 4 } },
            "gpusPerReplica", "at most 2", new ClusterLimits { MaxGpusPerNode = 2 });

    [Fact]
    public void Ollama_runs_without_gpus() => Assert.True(Validate(Specs.Ollama with { GpusPerReplica = 0 }).IsValid);

    [Theory]
    [InlineData(4, 3)]
    [InlineData(2, 4)]
    [InlineData(6, 4)]
    [InlineData(2, 0)]
    public void Tensor_parallel_must_divide_gpu_count(int gpus, int tp) =>
        AssertRejected(Specs.Vllm with { GpusPerReplica = gpus, Engine = Specs.Vllm.Engine with { TensorParallel = tp } },
            "engine.tensorParallel");

    [Fact]
    public void Tensor_parallel_dividing_gpu_count_is_accepted() =>
        Assert.True(Validate(Specs.Vllm with { GpusPerReplica = 8, Engine = Specs.Vllm.Engine with { TensorParallel = 4 } }).IsValid);

    [Theory]
    [InlineData("--model=other/model")]
    [InlineData("--model")]
    [InlineData("--port")]
    [InlineData("--port=9000")]
    [InlineData("--host")]
    [InlineData("--hos")]
    [InlineData("--tensor_parallel_size=4")]
    [InlineData("-tp")]
    [InlineData("--served-model-name")]
    public void Extra_args_cannot_override_what_the_portal_sets_for_vllm(string arg) =>
        AssertRejected(Specs.Vllm with { ExtraArgs = ["--enforce-eager", arg] }, "extraArgs[1]");

    [Theory]
    [InlineData("--model-path")]
    [InlineData("--model")]
    [InlineData("--tp=2")]
    [InlineData("--port")]
    [InlineData("--enable-metrics")]
    [InlineData("--mem-fraction-static=0.5")]
    public void Extra_args_cannot_override_what_the_portal_sets_for_sglang(string arg) =>
        AssertRejected(Specs.Sglang with { ExtraArgs = [arg] }, "extraArgs[0]");

    [Fact]
    public void Typed_option_flags_point_to_their_field() =>
        AssertRejected(Specs.Vllm with { ExtraArgs = ["--max-model-len", "4096"] }, "extraArgs[0]", "contextLength");

    [Theory]
    [InlineData("--chat-template\n/etc/x")]
    [InlineData("--foo\r")]
    [InlineData("--a\0")]
    public void Extra_args_cannot_contain_newlines(string arg) =>
        AssertRejected(Specs.Vllm with { ExtraArgs = [arg] }, "extraArgs[0]", "newlines");

    [Theory]
    [InlineData("--foo; rm -rf /")]
    [InlineData("$(curl evil)")]
    [InlineData("`id`")]
    [InlineData("--x | tee")]
    [InlineData("a && b")]
    [InlineData("--log > /tmp/x")]
    [InlineData("${HOME}")]
    public void Extra_args_cannot_contain_shell_syntax(string arg) =>
        AssertRejected(Specs.Vllm with { ExtraArgs = ["--enforce-eager", arg] }, "extraArgs[1]", "shell");

    [Fact]
    public void Ollama_takes_no_extra_args() =>
        AssertRejected(Specs.Ollama with { ExtraArgs = ["--verbose"] }, "extraArgs");

    [Theory]
    [InlineData("1BAD")]
    [InlineData("HAS SPACE")]
    [InlineData("A=B")]
    [InlineData("")]
    [InlineData("ÜMLAUT")]
    public void Env_names_must_be_valid(string name)
    {
        var spec = Specs.Vllm with { Env = new Dictionary<string, string> { [name] = "x" } };
        AssertRejected(spec, $"env.{name}", "Environment variable names");
    }

    [Theory]
    [InlineData("vllm", "HF_TOKEN")]
    [InlineData("vllm", "VLLM_NO_USAGE_STATS")]
    [InlineData("ollama", "OLLAMA_HOST")]
    [InlineData("ollama", "OLLAMA_NUM_PARALLEL")]
    public void Env_cannot_override_what_the_portal_sets(string framework, string name) =>
        AssertRejected(Specs.For(framework) with { Env = new Dictionary<string, string> { [name] = "x" } }, $"env.{name}");

    [Fact]
    public void Env_names_with_dashes_and_dots_are_valid() =>
        Assert.True(Validate(Specs.Vllm with { Env = new Dictionary<string, string> { ["MY-VAR.x"] = "1" } }).IsValid);

    [Theory]
    [InlineData("32GB")]
    [InlineData("lots")]
    [InlineData("-1Gi")]
    [InlineData("0")]
    [InlineData(" 4Gi")]
    [InlineData("1.5.5Gi")]
    [InlineData("")]
    public void Memory_must_be_a_kubernetes_quantity(string memory) =>
        AssertRejected(Specs.Vllm with { Memory = memory }, "memory", "Kubernetes quantity");

    [Theory]
    [InlineData("four")]
    [InlineData("4 cores")]
    [InlineData("-2")]
    public void Cpu_must_be_a_kubernetes_quantity(string cpu) =>
        AssertRejected(Specs.Vllm with { Cpu = cpu }, "cpu");

    [Theory]
    [InlineData("500m")]
    [InlineData("0.5")]
    [InlineData("1e3")]
    public void Cpu_accepts_kubernetes_notations(string cpu) => Assert.True(Validate(Specs.Vllm with { Cpu = cpu }).IsValid);

    [Fact]
    public void Cache_size_must_be_a_quantity_when_persistence_is_on() =>
        AssertRejected(Specs.Vllm with { Persistence = new PersistenceSpec { Enabled = true, Size = "big" } }, "persistence.size");

    [Fact]
    public void Options_the_framework_does_not_support_are_rejected()
    {
        var spec = Specs.Ollama with { Engine = new EngineOptions { TensorParallel = 2, Dtype = "bfloat16", TrustRemoteCode = true } };
        var result = Validate(spec);
        Assert.Contains("engine.tensorParallel", result.Errors.Keys);
        Assert.Contains("engine.dtype", result.Errors.Keys);
        Assert.Contains("engine.trustRemoteCode", result.Errors.Keys);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Gpu_memory_fraction_must_be_between_zero_and_one(double fraction) =>
        AssertRejected(Specs.Vllm with { Engine = Specs.Vllm.Engine with { GpuMemoryFraction = fraction } }, "engine.gpuMemoryFraction");

    [Fact]
    public void Unknown_dtype_and_quantization_are_rejected()
    {
        var result = Validate(Specs.Vllm with { Engine = Specs.Vllm.Engine with { Dtype = "bf16", Quantization = "int3" } });
        Assert.Contains("engine.dtype", result.Errors.Keys);
        Assert.Contains("engine.quantization", result.Errors.Keys);
    }

    [Fact]
    public void Hpa_cannot_scale_to_zero_but_keda_can()
    {
        AssertRejected(Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { MinReplicas = 0 } }, "autoscaling.minReplicas", "KEDA");
        Assert.True(Validate(Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { Mode = AutoscalingMode.Keda, MinReplicas = 0 } }).IsValid);
    }

    [Fact]
    public void Autoscaling_max_must_not_be_below_min() =>
        AssertRejected(Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { MinReplicas = 5, MaxReplicas = 3 } }, "autoscaling.maxReplicas");

    [Fact]
    public void Ollama_scales_on_the_gateways_requests_gpu_or_cpu_not_on_engine_metrics()
    {
        var waiting = Specs.Ollama with { Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Hpa, Metric = "requests-waiting" } };
        AssertRejected(waiting, "autoscaling.metric", "gateway-in-flight");
        Assert.True(Validate(waiting with { Autoscaling = waiting.Autoscaling with { Metric = "cpu" } }).IsValid);
        Assert.True(Validate(waiting with { Autoscaling = waiting.Autoscaling with { Mode = AutoscalingMode.Keda, Metric = "gateway-in-flight", MinReplicas = 0 } }).IsValid);
    }

    [Fact]
    public void Minimum_above_maximum_is_a_field_error_on_the_minimum()
    {
        var result = Validate(Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { MinReplicas = 5, MaxReplicas = 3 } });
        Assert.Contains("cannot be more than the maximum", string.Join(" ", result.Errors["autoscaling.minReplicas"]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(double.NaN)]
    public void Target_must_be_positive(double target) =>
        AssertRejected(Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { Target = target } }, "autoscaling.target", "positive");

    [Fact]
    public void An_unknown_signal_is_named_with_the_signals_there_are() =>
        AssertRejected(Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { Metric = "vibes" } }, "autoscaling.metric", "Unknown signal 'vibes'");

    [Theory]
    [InlineData("ttft-p95")]
    [InlineData("gateway-in-flight")]
    public void Deployment_wide_signals_need_keda(string metric)
    {
        var hpa = Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { Metric = metric, Target = 1 } };
        AssertRejected(hpa, "autoscaling.metric", "only KEDA");
        Assert.True(Validate(hpa with { Autoscaling = hpa.Autoscaling with { Mode = AutoscalingMode.Keda } }).IsValid);
    }

    [Fact]
    public void Gpu_utilisation_is_a_percentage_of_gpus_the_replica_has()
    {
        AssertRejected(Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { Metric = "gpu-utilization", Target = 120 } }, "autoscaling.target", "percentage");
        AssertRejected(Specs.Ollama with { GpusPerReplica = 0, Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Hpa, Metric = "gpu-utilization", Target = 70 } },
            "autoscaling.metric", "at least one GPU");
    }

    [Theory]
    [InlineData(-1, 15, "autoscaling.cooldownSeconds")]
    [InlineData(90_000, 15, "autoscaling.cooldownSeconds")]
    [InlineData(300, 0, "autoscaling.pollingSeconds")]
    public void Cooldown_and_polling_have_ranges(int cooldown, int polling, string field) =>
        AssertRejected(Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { Mode = AutoscalingMode.Keda, CooldownSeconds = cooldown, PollingSeconds = polling } }, field);

    [Fact]
    public void Scaling_on_cpu_needs_a_cpu_request() =>
        AssertRejected(Specs.Vllm with { Cpu = null, Autoscaling = Specs.Vllm.Autoscaling with { Metric = "cpu" } }, "autoscaling.metric", "CPU request");

    [Fact]
    public void Gpu_type_must_be_known_when_the_cluster_lists_types() =>
        AssertRejected(Specs.Vllm, "gpuType", "NVIDIA-A100", new ClusterLimits { KnownGpuTypes = ["NVIDIA-A100-SXM4-80GB"] });

    [Fact]
    public void Null_collections_from_a_json_body_are_errors_not_crashes()
    {
        var spec = JsonSerializer.Deserialize<DeploymentSpec>(
            """{"name":"a","framework":"vllm","model":"o/m","extraArgs":null,"env":null,"engine":null,"persistence":null,"autoscaling":null}""",
            JsonSerializerOptions.Web)!;
        var result = Validate(spec);
        Assert.Equal(["autoscaling", "engine", "env", "extraArgs", "persistence"], result.Errors.Keys.Order());
    }

    [Fact]
    public void Error_keys_are_paths_in_the_rest_body()
    {
        var spec = Specs.Vllm with
        {
            Name = "Bad_Name", Memory = "x", ContextLength = 1,
            Engine = Specs.Vllm.Engine with { TensorParallel = 3, GpuMemoryFraction = 2 },
            Persistence = new PersistenceSpec { Size = "x", StorageClass = "Bad_Class" },
            Autoscaling = Specs.Vllm.Autoscaling with { MaxReplicas = 1000, Target = 0 },
            HuggingFaceTokenSecret = "Bad_Secret",
        };
        var json = JsonSerializer.SerializeToElement(spec, JsonSerializerOptions.Web);
        var result = Validate(spec);
        Assert.True(result.Errors.Count >= 10, result.ToString());
        foreach (var key in result.Errors.Keys)
        {
            var node = json;
            foreach (var part in key.Split('.'))
            {
                Assert.True(node.TryGetProperty(part, out node), $"'{key}' is not a path in the JSON body");
            }
        }
    }
}
