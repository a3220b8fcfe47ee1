using System.Globalization;
using k8s.Models;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Domain.Manifests;

/// <summary>The workload: one StatefulSet whose pods run the engine, with the model cache per pod.</summary>
internal static class StatefulSetRenderer
{
    public const string ContainerPortName = "http";
    public const string CacheVolume = ManifestRenderer.ModelCacheVolume;
    public const string ShmVolume = "dshm";

    public static V1StatefulSet Render(DeploymentSpec spec, EngineProfile profile, long revision, RenderOptions options)
    {
        var labels = PortalLabels.For(spec);
        return new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = new V1ObjectMeta
            {
                Name = spec.Name,
                NamespaceProperty = spec.Namespace,
                Labels = labels,
                Annotations = new Dictionary<string, string> { [PortalLabels.RevisionAnnotation] = PortalLabels.Revision(revision) },
            },
            Spec = new V1StatefulSetSpec
            {
                // An autoscaler owns the replica count when there is one; the portal must not fight it.
                Replicas = spec.Autoscaling.Mode == AutoscalingMode.Off ? spec.Replicas : null,
                ServiceName = spec.Name,
                // Replicas load their model independently; starting them one after another only delays.
                PodManagementPolicy = "Parallel",
                Selector = new V1LabelSelector { MatchLabels = PortalLabels.SelectorLabels(spec.Name) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = PortalLabels.For(spec), Annotations = ScrapeAnnotations(profile) },
                    Spec = PodSpec(spec, profile),
                },
                VolumeClaimTemplates = spec.Persistence.Enabled ? [CacheClaim(spec, options)] : null,
            },
        };
    }

    private static Dictionary<string, string>? ScrapeAnnotations(EngineProfile profile) =>
        profile.MetricsPath is null
            ? null
            : new Dictionary<string, string>
            {
                [PortalLabels.ScrapeAnnotation] = "true",
                [PortalLabels.ScrapePortAnnotation] = profile.ContainerPort.ToString(CultureInfo.InvariantCulture),
                [PortalLabels.ScrapePathAnnotation] = profile.MetricsPath,
            };

    private static V1PodSpec PodSpec(DeploymentSpec spec, EngineProfile profile)
    {
        var volumes = new List<V1Volume>();
        if (!spec.Persistence.Enabled)
        {
            volumes.Add(new V1Volume { Name = CacheVolume, EmptyDir = new V1EmptyDirVolumeSource() });
        }

        if (profile.SharedMemorySize(spec) is { } shmSize)
        {
            volumes.Add(new V1Volume
            {
                Name = ShmVolume,
                EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity(shmSize) },
            });
        }

        var gpus = spec.GpusPerReplica > 0;
        return new V1PodSpec
        {
            Containers = [Container(spec, profile)],
            Volumes = volumes.Count > 0 ? volumes : null,
            NodeSelector = spec.GpuType is null ? null : new Dictionary<string, string> { [PortalLabels.GpuProductNodeLabel] = spec.GpuType },
            // GPU nodes are commonly tainted so that only GPU workloads land there.
            Tolerations = gpus
                ? [new V1Toleration { Key = PortalLabels.GpuResource, OperatorProperty = "Exists", Effect = "NoSchedule" }]
                : null,
        };
    }

    private static V1Container Container(DeploymentSpec spec, EngineProfile profile)
    {
        var command = profile.BuildCommand(spec);
        var mounts = new List<V1VolumeMount> { new() { Name = CacheVolume, MountPath = profile.CacheMountPath } };
        if (profile.SharedMemorySize(spec) is not null)
        {
            mounts.Add(new V1VolumeMount { Name = ShmVolume, MountPath = "/dev/shm" });
        }

        return new V1Container
        {
            Name = profile.Id,
            Image = profile.Image(spec.ImageTag),
            ImagePullPolicy = "IfNotPresent",
            Command = [.. command.Command],
            Args = [.. command.Args],
            Ports = [new V1ContainerPort { Name = ContainerPortName, ContainerPort = profile.ContainerPort, Protocol = "TCP" }],
            Env = Environment(spec, profile),
            Resources = Resources(spec),
            StartupProbe = Probe(profile.Probes.Startup),
            ReadinessProbe = Probe(profile.Probes.Readiness),
            LivenessProbe = Probe(profile.Probes.Liveness),
            VolumeMounts = mounts,
        };
    }

    private static List<V1EnvVar>? Environment(DeploymentSpec spec, EngineProfile profile)
    {
        var env = profile.BuildEnvironment(spec).Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList();
        if (spec.HuggingFaceTokenSecret is { } secret && profile.HuggingFaceTokenEnv is { } tokenEnv)
        {
            env.Add(new V1EnvVar
            {
                Name = tokenEnv,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = "token" } },
            });
        }

        return env.Count > 0 ? env : null;
    }

    private static V1ResourceRequirements Resources(DeploymentSpec spec)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        var limits = new Dictionary<string, ResourceQuantity>();
        if (spec.Cpu is not null)
        {
            // No CPU limit: throttling a tokenizer or scheduler thread only adds latency.
            requests["cpu"] = new ResourceQuantity(spec.Cpu);
        }

        if (spec.Memory is not null)
        {
            requests["memory"] = new ResourceQuantity(spec.Memory);
            limits["memory"] = new ResourceQuantity(spec.Memory);
        }

        if (spec.GpusPerReplica > 0)
        {
            // Extended resources go in limits; Kubernetes copies them to requests.
            limits[PortalLabels.GpuResource] = new ResourceQuantity(spec.GpusPerReplica.ToString(CultureInfo.InvariantCulture));
        }

        return new V1ResourceRequirements
        {
            Requests = requests.Count > 0 ? requests : null,
            Limits = limits.Count > 0 ? limits : null,
        };
    }

    private static V1Probe Probe(ProbeSettings settings) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = settings.Path, Port = ContainerPortName },
        InitialDelaySeconds = settings.InitialDelaySeconds > 0 ? settings.InitialDelaySeconds : null,
        PeriodSeconds = settings.PeriodSeconds,
        TimeoutSeconds = settings.TimeoutSeconds,
        FailureThreshold = settings.FailureThreshold,
    };

    private static V1PersistentVolumeClaim CacheClaim(DeploymentSpec spec, RenderOptions options) => new()
    {
        Metadata = new V1ObjectMeta { Name = CacheVolume, Labels = PortalLabels.For(spec) },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = [options.CacheAccessMode],
            StorageClassName = spec.Persistence.StorageClass,
            Resources = new V1VolumeResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(spec.Persistence.Size) },
            },
        },
    };
}
