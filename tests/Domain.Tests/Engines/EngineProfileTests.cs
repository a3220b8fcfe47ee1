using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Domain.Tests.Engines;

public sealed class EngineProfileTests
{
    [Fact]
    public void Registry_lists_the_three_engines_in_display_order() =>
        Assert.Equal(["vllm", "sglang", "ollama"], EngineProfiles.All.Select(p => p.Id));

    [Fact]
    public void Unknown_framework_is_not_found()
    {
        Assert.False(EngineProfiles.TryGet("tgi", out _));
        Assert.False(EngineProfiles.TryGet(null, out _));
        Assert.Throws<ArgumentException>(() => EngineProfiles.Get("VLLM"));
    }

    [Theory]
    [InlineData("vllm", "vllm/vllm-openai", 8000, "/root/.cache/huggingface", ModelIdFormat.HuggingFace)]
    [InlineData("sglang", "lmsysorg/sglang", 30000, "/root/.cache/huggingface", ModelIdFormat.HuggingFace)]
    [InlineData("ollama", "ollama/ollama", 11434, "/root/.ollama", ModelIdFormat.Ollama)]
    public void Profiles_carry_the_engines_documented_facts(string id, string image, int port, string cache, ModelIdFormat format)
    {
        var profile = EngineProfiles.Get(id);
        Assert.Equal((image, port, cache, format), (profile.ImageRepository, profile.ContainerPort, profile.CacheMountPath, profile.ModelIdFormat));
        Assert.Equal("/v1", profile.OpenAiBasePath);
        Assert.False(string.IsNullOrWhiteSpace(profile.WhenToChoose));
        Assert.False(string.IsNullOrWhiteSpace(profile.Needs));
    }

    [Fact]
    public void Only_ollama_pulls_its_model_after_start()
    {
        Assert.Equal("/api/pull", EngineProfiles.Get("ollama").ModelPullPath);
        Assert.All(EngineProfiles.All.Where(p => p.Id != "ollama"), p => Assert.False(p.PullsModelAfterStart));
    }

    [Fact]
    public void Ollama_has_no_prometheus_metrics()
    {
        var ollama = EngineProfiles.Get("ollama");
        Assert.False(ollama.ExposesMetrics);
        Assert.Equal(EngineMetricNames.None, ollama.Metrics);
        Assert.All(typeof(EngineMetricNames).GetProperties().Where(p => p.PropertyType == typeof(string) && p.Name != "ModelLabel"),
            p => Assert.Null(p.GetValue(ollama.Metrics)));
    }

    [Theory]
    [InlineData("vllm", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "vllm:inter_token_latency_seconds")]
    [InlineData("sglang", "sglang:num_queue_reqs", "sglang:token_usage", "sglang:inter_token_latency_seconds")]
    public void Metric_names_are_the_current_ones(string id, string waiting, string kv, string itl)
    {
        var metrics = EngineProfiles.Get(id).Metrics;
        Assert.Equal((waiting, kv, itl), (metrics.RequestsWaiting, metrics.KvCacheUsage, metrics.InterTokenLatency));
    }

    [Fact]
    public void Wizard_options_name_their_spec_fields()
    {
        var vllm = EngineProfiles.Get("vllm");
        var fields = vllm.Options.Select(o => EngineOptionInfo.For(o.Option).Field).OfType<string>();
        Assert.Contains("engine.tensorParallel", fields);
        Assert.Contains("engine.gpuMemoryFraction", fields);
        Assert.Contains("bfloat16", vllm.Options.Single(o => o.Option == EngineOption.Dtype).Choices);
    }

    [Fact]
    public void Argparse_prefixes_of_reserved_flags_are_reserved_too()
    {
        var vllm = EngineProfiles.Get("vllm");
        Assert.NotNull(vllm.WhyFlagIsReserved("--por"));
        Assert.NotNull(vllm.WhyFlagIsReserved("--tensor-par"));
        Assert.Null(vllm.WhyFlagIsReserved("--enforce-eager"));
        Assert.Null(vllm.WhyFlagIsReserved("--max-num-batched-tokens"));
    }

    [Fact]
    public void Sglang_turns_leftover_gpus_into_data_parallel_workers()
    {
        var spec = Specs.Sglang with { GpusPerReplica = 4, Engine = new EngineOptions { TensorParallel = 2 } };
        var args = EngineProfiles.Get("sglang").BuildCommand(spec).Args.ToList();
        Assert.Equal("2", args[args.IndexOf("--tp-size") + 1]);
        Assert.Equal("2", args[args.IndexOf("--dp-size") + 1]);
    }

    [Fact]
    public void Default_tensor_parallel_uses_every_gpu_of_the_replica()
    {
        var spec = Specs.Vllm with { GpusPerReplica = 4, Engine = new EngineOptions() };
        var args = EngineProfiles.Get("vllm").BuildCommand(spec).Args.ToList();
        Assert.Equal("4", args[args.IndexOf("--tensor-parallel-size") + 1]);
        Assert.DoesNotContain("--pipeline-parallel-size", args);
    }
}

public sealed class EngineVersionTests
{
    [Theory]
    [InlineData("v0.33.0", "0.33.0")]
    [InlineData("0.32.15", "0.32.15")]
    [InlineData("v0.4.10.post2", "0.4.10")]
    [InlineData("v0.5.19-cu129", "0.5.19")]
    [InlineData("latest", null)]
    [InlineData(null, null)]
    public void Image_tags_name_their_release(string? tag, string? release) =>
        Assert.Equal(release is null ? null : Version.Parse(release), EngineVersion.Of(tag));

    [Theory]
    [InlineData("v0.10.1", "vllm:time_per_output_token_seconds")]
    [InlineData("v0.11.0", "vllm:inter_token_latency_seconds")]
    [InlineData("v0.33.0", "vllm:inter_token_latency_seconds")]
    [InlineData("latest", "vllm:inter_token_latency_seconds")]
    public void A_vllm_release_is_charted_by_the_inter_token_metric_it_exports(string tag, string name) =>
        Assert.Equal(name, EngineProfiles.Vllm.Metrics.NameFor("vllm:inter_token_latency_seconds", tag));

    [Fact]
    public void Default_tags_are_the_current_releases()
    {
        Assert.Equal(["v0.33.0", "v0.5.23", "0.32.15"], EngineProfiles.All.Select(p => p.DefaultTag));
    }
}
