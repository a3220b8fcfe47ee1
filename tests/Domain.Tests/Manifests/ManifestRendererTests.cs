using k8s;
using k8s.Models;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;
using Portal.Domain.Manifests;

namespace Portal.Domain.Tests.Manifests;

public sealed class ManifestRendererTests
{
    private static V1Container Engine(RenderedManifests m) => m.StatefulSet.Spec.Template.Spec.Containers.Single();

    [Fact]
    public void Vllm_argv_is_vllm_serve_with_model_host_port_and_options()
    {
        var container = Engine(ManifestRenderer.Render(Specs.Vllm, 1));
        Assert.Equal(["vllm", "serve"], container.Command);
        Assert.Equal(
        [
            "Qwen/Qwen2.5-7B-Instruct", "--host", "0.0.0.0", "--port", "8000",
            "--served-model-name", "qwen2.5-7b", "--max-model-len", "32768", "--tensor-parallel-size", "2",
            "--gpu-memory-utilization", "0.9", "--dtype", "bfloat16", "--max-num-seqs", "128",
            "--enable-prefix-caching", "--max-num-batched-tokens=8192",
        ], container.Args);
    }

    [Fact]
    public void Vllm_spreads_remaining_gpus_over_pipeline_stages()
    {
        var spec = Specs.Vllm with { GpusPerReplica = 8, Engine = Specs.Vllm.Engine with { TensorParallel = 4 } };
        var args = Engine(ManifestRenderer.Render(spec, 1)).Args;
        Assert.Equal("4", args[args.IndexOf("--tensor-parallel-size") + 1]);
        Assert.Equal("2", args[args.IndexOf("--pipeline-parallel-size") + 1]);
    }

    [Fact]
    public void Sglang_argv_is_launch_server_with_metrics_enabled()
    {
        var container = Engine(ManifestRenderer.Render(Specs.Sglang, 1));
        Assert.Equal(["python3", "-m", "sglang.launch_server"], container.Command);
        Assert.Equal(
        [
            "--model-path", "meta-llama/Llama-3.1-8B-Instruct", "--host", "0.0.0.0", "--port", "30000", "--enable-metrics",
            "--context-length", "16384", "--mem-fraction-static", "0.85", "--quantization", "fp8", "--trust-remote-code",
        ], container.Args);
    }

    [Fact]
    public void Ollama_is_configured_by_environment_and_pulls_after_start()
    {
        var m = ManifestRenderer.Render(Specs.Ollama, 1);
        var container = Engine(m);
        Assert.Equal(["/bin/ollama"], container.Command);
        Assert.Equal(["serve"], container.Args);
        var env = container.Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("0.0.0.0:11434", env["OLLAMA_HOST"]);
        Assert.Equal("8192", env["OLLAMA_CONTEXT_LENGTH"]);
        Assert.Equal("4", env["OLLAMA_NUM_PARALLEL"]);
        Assert.Equal("1", env["OLLAMA_FLASH_ATTENTION"]);
        Assert.Null(container.Lifecycle);
        Assert.Null(m.StatefulSet.Spec.Template.Metadata.Annotations);
        Assert.False(container.Resources.Limits?.ContainsKey(PortalLabels.GpuResource) ?? false);
        Assert.Equal("/root/.ollama", container.VolumeMounts.Single(v => v.Name == "model-cache").MountPath);
    }

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Every_object_carries_the_portal_labels(string framework)
    {
        var spec = Specs.For(framework);
        var m = ManifestRenderer.Render(spec, 3);
        foreach (var obj in m.All.Cast<IMetadata<V1ObjectMeta>>().Append(m.StatefulSet.Spec.Template))
        {
            var labels = obj.Metadata.Labels;
            Assert.Equal(framework, labels[PortalLabels.Name]);
            Assert.Equal(spec.Name, labels[PortalLabels.Instance]);
            Assert.Equal("inference-portal", labels[PortalLabels.ManagedBy]);
            Assert.Equal("inference", labels[PortalLabels.Component]);
            Assert.Equal(framework, labels[PortalLabels.Framework]);
        }

        Assert.Equal("3", m.StatefulSet.Metadata.Annotations[PortalLabels.RevisionAnnotation]);
        Assert.Equal(spec.Name, m.Service.Metadata.Name);
    }

    [Fact]
    public void The_selector_matches_the_pod_labels_and_ignores_the_framework()
    {
        var m = ManifestRenderer.Render(Specs.Vllm, 1);
        var podLabels = m.StatefulSet.Spec.Template.Metadata.Labels;
        Assert.All(m.StatefulSet.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.Equal(m.StatefulSet.Spec.Selector.MatchLabels, m.Service.Spec.Selector);
        Assert.DoesNotContain(PortalLabels.Framework, m.Service.Spec.Selector.Keys);
    }

    [Fact]
    public void Gpus_go_to_limits_with_the_product_node_selector()
    {
        var m = ManifestRenderer.Render(Specs.Vllm, 1);
        var pod = m.StatefulSet.Spec.Template.Spec;
        Assert.Equal("2", Engine(m).Resources.Limits[PortalLabels.GpuResource].ToString());
        Assert.Equal("NVIDIA-H100-80GB-HBM3", pod.NodeSelector[PortalLabels.GpuProductNodeLabel]);
        Assert.Contains(pod.Tolerations, t => t.Key == PortalLabels.GpuResource);
    }

    [Fact]
    public void Model_cache_is_a_volume_claim_template_when_persistence_is_on()
    {
        var m = ManifestRenderer.Render(Specs.Vllm, 1);
        var claim = Assert.Single(m.StatefulSet.Spec.VolumeClaimTemplates);
        Assert.Equal("model-cache", claim.Metadata.Name);
        Assert.Equal("200Gi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Equal("fast-ssd", claim.Spec.StorageClassName);
        Assert.Equal("/root/.cache/huggingface", Engine(m).VolumeMounts.Single(v => v.Name == "model-cache").MountPath);
    }

    [Fact]
    public void Without_persistence_the_cache_is_an_empty_dir()
    {
        var m = ManifestRenderer.Render(Specs.Vllm with { Persistence = new PersistenceSpec { Enabled = false } }, 1);
        Assert.Null(m.StatefulSet.Spec.VolumeClaimTemplates);
        Assert.NotNull(m.StatefulSet.Spec.Template.Spec.Volumes.Single(v => v.Name == "model-cache").EmptyDir);
    }

    [Theory]
    [InlineData("vllm", 1, false)]
    [InlineData("vllm", 2, true)]
    [InlineData("sglang", 1, true)]
    [InlineData("ollama", 1, false)]
    public void Shared_memory_is_memory_backed_where_the_engine_needs_it(string framework, int gpus, bool expected)
    {
        var spec = Specs.For(framework) with { GpusPerReplica = gpus, Engine = Specs.For(framework).Engine with { TensorParallel = null } };
        var volumes = ManifestRenderer.Render(spec, 1).StatefulSet.Spec.Template.Spec.Volumes ?? [];
        var shm = volumes.SingleOrDefault(v => v.EmptyDir?.Medium == "Memory");
        Assert.Equal(expected, shm is not null);
    }

    [Fact]
    public void Hugging_face_token_comes_from_the_secret()
    {
        var env = Engine(ManifestRenderer.Render(Specs.Vllm, 1)).Env.Single(e => e.Name == "HF_TOKEN");
        Assert.Null(env.Value);
        Assert.Equal("hf-token", env.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("token", env.ValueFrom.SecretKeyRef.Key);
    }

    [Theory]
    [MemberData(nameof(Specs.Frameworks), MemberType = typeof(Specs))]
    public void Startup_probe_allows_for_model_loading_before_liveness_acts(string framework)
    {
        var container = Engine(ManifestRenderer.Render(Specs.For(framework), 1));
        var startup = TimeSpan.FromSeconds(container.StartupProbe.PeriodSeconds!.Value * container.StartupProbe.FailureThreshold!.Value);
        var minimum = framework == "ollama" ? TimeSpan.FromMinutes(5) : TimeSpan.FromMinutes(20);
        Assert.True(startup >= minimum, $"startup budget {startup} < {minimum}");
        Assert.Equal(EngineProfiles.Get(framework).Probes.Readiness.Path, container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("http", container.LivenessProbe.HttpGet.Port.Value);
    }

    [Fact]
    public void Scrape_annotations_point_at_the_engine_metrics()
    {
        var annotations = ManifestRenderer.Render(Specs.Sglang, 1).StatefulSet.Spec.Template.Metadata.Annotations;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal("30000", annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
    }

    [Fact]
    public void Hpa_scales_the_statefulset_on_the_engines_waiting_requests()
    {
        var m = ManifestRenderer.Render(Specs.Vllm, 1);
        var hpa = Assert.IsType<V2HorizontalPodAutoscaler>(m.Hpa);
        Assert.Null(m.ScaledObject);
        Assert.Equal(("StatefulSet", "qwen-7b"), (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.Equal((2, 6), (hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas));
        var metric = Assert.Single(hpa.Spec.Metrics);
        Assert.Equal("vllm_num_requests_waiting", metric.Pods.Metric.Name);
        Assert.Equal("5", metric.Pods.Target.AverageValue.ToString());
        Assert.Null(m.StatefulSet.Spec.Replicas);
    }

    [Fact]
    public void Hpa_on_cpu_uses_utilization()
    {
        var spec = Specs.Ollama with { Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Hpa, Metric = "cpu", Target = 75 } };
        var metric = Assert.Single(ManifestRenderer.Render(spec, 1).Hpa!.Spec.Metrics);
        Assert.Equal(("Resource", "cpu", 75), (metric.Type, metric.Resource.Name, metric.Resource.Target.AverageUtilization!.Value));
    }

    [Fact]
    public void Keda_scaled_object_queries_prometheus_for_this_deployment()
    {
        var m = ManifestRenderer.Render(Specs.Sglang, 1, new RenderOptions { PrometheusServerAddress = "http://prom:9090" });
        var scaled = Assert.IsType<KedaScaledObject>(m.ScaledObject);
        Assert.Null(m.Hpa);
        Assert.Equal(("StatefulSet", "llama-8b"), (scaled.Spec.ScaleTargetRef.Kind, scaled.Spec.ScaleTargetRef.Name));
        Assert.Equal((0, 3), (scaled.Spec.MinReplicaCount, scaled.Spec.MaxReplicaCount));
        Assert.Equal((15, 300), (scaled.Spec.PollingInterval, scaled.Spec.CooldownPeriod));
        Assert.Equal(300, scaled.Spec.Advanced!.HorizontalPodAutoscalerConfig!.Behavior!.ScaleDown.StabilizationWindowSeconds);
        var trigger = scaled.Spec.Triggers[0];
        Assert.Equal("prometheus", trigger.Type);
        Assert.Equal("http://prom:9090", trigger.Metadata["serverAddress"]);
        Assert.Equal("sum(sglang:num_queue_reqs{namespace=\"models\",deployment=\"llama-8b\"})", trigger.Metadata["query"]);
        Assert.Equal("10", trigger.Metadata["threshold"]);

        // Minimum 0: a second trigger on the gateway's requests wakes it (activation only).
        var wake = scaled.Spec.Triggers[1];
        Assert.Equal(("prometheus", "gateway-requests", "0"), (wake.Type, wake.Name, wake.Metadata["activationThreshold"]));
        Assert.Contains("portal_gateway_held_requests{deployment=\"llama-8b\"}", wake.Metadata["query"]);
        var noWake = ManifestRenderer.Render(Specs.Sglang with { Autoscaling = Specs.Sglang.Autoscaling with { MinReplicas = 1 } }, 1).ScaledObject!;
        Assert.Single(noWake.Spec.Triggers);
    }

    [Fact]
    public void Cooldown_and_polling_reach_keda_and_the_hpa_scale_down_window()
    {
        var spec = Specs.Sglang with { Autoscaling = Specs.Sglang.Autoscaling with { CooldownSeconds = 42, PollingSeconds = 3 } };
        var scaled = ManifestRenderer.Render(spec, 1).ScaledObject!;
        Assert.Equal((3, 42), (scaled.Spec.PollingInterval, scaled.Spec.CooldownPeriod));
        var hpa = ManifestRenderer.Render(Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { CooldownSeconds = 42 } }, 1).Hpa!;
        Assert.Equal(42, hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds);
        Assert.Null(hpa.Spec.Behavior.ScaleUp);
    }

    [Fact]
    public void Hpa_on_gpu_utilisation_reads_dcgm_per_pod_with_the_target_for_all_its_gpus()
    {
        var spec = Specs.Vllm with { GpusPerReplica = 2, Engine = Specs.Vllm.Engine with { TensorParallel = 2 }, Autoscaling = Specs.Vllm.Autoscaling with { Metric = "gpu-utilization", Target = 60 } };
        var metric = Assert.Single(ManifestRenderer.Render(spec, 1).Hpa!.Spec.Metrics);
        Assert.Equal(("Pods", "DCGM_FI_DEV_GPU_UTIL", "120"), (metric.Type, metric.Pods.Metric.Name, metric.Pods.Target.AverageValue.ToString()));
    }

    [Fact]
    public void Keda_on_ttft_p95_compares_one_value_for_the_deployment()
    {
        var spec = Specs.Vllm with { Autoscaling = Specs.Vllm.Autoscaling with { Mode = AutoscalingMode.Keda, Metric = "ttft-p95", Target = 0.5, MinReplicas = 1 } };
        var trigger = Assert.Single(ManifestRenderer.Render(spec, 1).ScaledObject!.Spec.Triggers);
        Assert.Equal("Value", trigger.MetricType);
        Assert.Equal("histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{namespace=\"models\",deployment=\"qwen-7b\"}[120s])))", trigger.Metadata["query"]);
        Assert.Equal("0.5", trigger.Metadata["threshold"]);
    }

    [Fact]
    public void Replicas_are_set_when_nothing_autoscales()
    {
        var m = ManifestRenderer.Render(Specs.Ollama with { Replicas = 3 }, 1);
        Assert.Equal(3, m.StatefulSet.Spec.Replicas);
        Assert.Null(m.Hpa);
        Assert.Null(m.ScaledObject);
    }

    [Theory]
    [InlineData(ServiceKind.ClusterIP)]
    [InlineData(ServiceKind.NodePort)]
    [InlineData(ServiceKind.LoadBalancer)]
    public void Service_type_follows_the_spec(ServiceKind kind)
    {
        var service = ManifestRenderer.Render(Specs.Vllm with { ServiceType = kind }, 1).Service;
        Assert.Equal(kind.ToString(), service.Spec.Type);
        Assert.Equal(8000, service.Spec.Ports.Single().Port);
    }

    [Fact]
    public void Objects_come_in_apply_order()
    {
        var kinds = ManifestRenderer.Render(Specs.Vllm, 1).All.Cast<IKubernetesObject>().Select(o => o.Kind);
        Assert.Equal(["Service", "StatefulSet", "HorizontalPodAutoscaler"], kinds);
    }

    [Fact]
    public void Image_tag_can_be_pinned()
    {
        Assert.Equal("vllm/vllm-openai:v0.11.0", Engine(ManifestRenderer.Render(Specs.Vllm with { ImageTag = "v0.11.0" }, 1)).Image);
        Assert.Equal("vllm/vllm-openai:v0.33.0", Engine(ManifestRenderer.Render(Specs.Vllm, 1)).Image);
    }

    [Fact]
    public void An_invalid_spec_is_not_rendered()
    {
        var error = Assert.Throws<InvalidDeploymentSpecException>(() => ManifestRenderer.Render(Specs.Vllm with { Name = "Bad" }, 1));
        Assert.Contains("name", error.Result.Errors.Keys);
    }
}
