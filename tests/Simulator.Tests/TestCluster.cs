using k8s;
using k8s.Models;

namespace Portal.Simulator.Tests;

/// <summary>Starts a simulator sized and timed for tests, with a KubernetesClient pointed at it.</summary>
internal static class TestCluster
{
    public static readonly TimeSpan LoadTime = TimeSpan.FromMilliseconds(200);

    /// <summary>One probe second: a default readinessProbe (periodSeconds 10) probes every 100 ms.</summary>
    public static readonly TimeSpan ProbeSecond = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// SGLang's health check looks for scheduler output this often in tests (the real server: once a second, against
    /// a 1 s default probe timeout); here a tenth of the probe second, so the test pods' probes (timeout 10 probe
    /// seconds) leave room for a loaded machine.
    /// </summary>
    public static readonly TimeSpan SglangHealthPoll = TimeSpan.FromMilliseconds(1);

    public static async Task<SimulatedCluster> StartAsync(SimulatorOptions? options = null)
    {
        var cluster = await SimulatedCluster.StartAsync(
            options ?? new SimulatorOptions
            {
                ModelLoadTime = LoadTime,
                ContainerStartTime = TimeSpan.FromMilliseconds(20),
                TimeToFirstToken = TimeSpan.FromMilliseconds(20),
                InterTokenLatency = TimeSpan.FromMilliseconds(2),
                OllamaPullDuration = TimeSpan.FromMilliseconds(200),
                ProbeSecond = ProbeSecond,
                CrashLoopBackOffBase = TimeSpan.FromMilliseconds(200),
                CrashLoopBackOffMax = TimeSpan.FromSeconds(2),
            },
            Xunit.TestContext.Current.CancellationToken);
        cluster.Engines.SglangHealthPollInterval = SglangHealthPoll;
        return cluster;
    }

    public static Kubernetes Client(this SimulatedCluster cluster) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath));

    /// <summary>Polls until <paramref name="condition"/> holds (an object not found yet counts as not yet), failing with <paramref name="what"/> after the timeout.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        var ct = Xunit.TestContext.Current.CancellationToken;
        while (true)
        {
            try
            {
                var value = await read();
                if (condition(value))
                {
                    return value;
                }
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound && DateTime.UtcNow <= deadline)
            {
                // Not created yet (a controller makes it soon): keep polling.
            }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound && DateTime.UtcNow <= deadline)
            {
                // A raw read (a metrics API answers 404 until Prometheus has the series): keep polling.
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(20, ct);
        }
    }

    public static V1StatefulSet StatefulSet(string name, int replicas, string image = "vllm/vllm-openai:v0.10.1", int gpus = 1, IList<string>? args = null, IList<string>? command = null, int port = 8000, string policy = "Parallel") => new()
    {
        ApiVersion = "apps/v1",
        Kind = "StatefulSet",
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1StatefulSetSpec
        {
            Replicas = replicas,
            ServiceName = name,
            PodManagementPolicy = policy,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "engine",
                            Image = image,
                            Command = command,
                            Args = args ?? ["Qwen/Qwen2.5-0.5B-Instruct", "--port", port.ToString()],
                            Ports = [new V1ContainerPort { Name = "http", ContainerPort = port }],
                            Resources = new V1ResourceRequirements
                            {
                                Limits = new Dictionary<string, ResourceQuantity> { ["nvidia.com/gpu"] = new(gpus.ToString()) },
                            },
                            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = image.Contains("ollama") ? "/" : "/health", Port = port }, TimeoutSeconds = 10 },
                        },
                    ],
                },
            },
            VolumeClaimTemplates =
            [
                new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = "model-cache" },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = ["ReadWriteOnce"],
                        Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("50Gi") } },
                    },
                },
            ],
        },
    };

    public static V1Service Service(string name, int targetPort = 8000) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec
        {
            Selector = new Dictionary<string, string> { ["app"] = name },
            Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = targetPort }],
        },
    };
}
