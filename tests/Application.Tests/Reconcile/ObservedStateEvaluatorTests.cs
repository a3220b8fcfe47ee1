using k8s.Models;
using Portal.Application.Reconcile;
using Portal.Domain.Deployments;

namespace Portal.Application.Tests.Reconcile;

public sealed class ObservedStateEvaluatorTests
{
    [Fact]
    public void All_desired_replicas_ready_is_ready()
    {
        var d = Deployment("vllm", replicas: 2);

        var o = ObservedStateEvaluator.Evaluate(d, Objects(d, ReadyPod("a-0"), ReadyPod("a-1")), InFlight.None);

        Assert.Equal(ObservedState.Ready, o.State);
        Assert.Equal(2, o.ReadyReplicas);
        Assert.Null(o.Drift);
    }

    [Fact]
    public void A_pod_that_cannot_be_scheduled_leaves_the_deployment_pending_with_the_scheduler_event()
    {
        var d = Deployment("vllm", replicas: 1);
        var objects = Objects(d, UnschedulablePod("a-0"));
        objects.Events.Add(Event("Warning", "FailedScheduling", "0/2 nodes are available: 2 Insufficient nvidia.com/gpu."));

        var o = ObservedStateEvaluator.Evaluate(d, objects, InFlight.None);

        Assert.Equal(ObservedState.Pending, o.State);
        Assert.Equal("FailedScheduling: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu.", o.LastEvent);
    }

    [Fact]
    public void A_pod_that_cannot_be_scheduled_outranks_newer_probe_warnings_of_pods_still_loading()
    {
        var d = Deployment("vllm", replicas: 3);
        var objects = Objects(d, Pod("a-0", ready: false), Pod("a-1", ready: false), UnschedulablePod("a-2"));
        // Newest first, as the snapshot reader orders them.
        objects.Events.Add(Event("Warning", "Unhealthy", "Startup probe failed: connection refused", "a-0"));
        objects.Events.Add(Event("Warning", "Unhealthy", "Startup probe failed: connection refused", "a-1"));
        objects.Events.Add(Event("Warning", "FailedScheduling", "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.", "a-2"));

        var o = ObservedStateEvaluator.Evaluate(d, objects, InFlight.None);

        Assert.Equal("FailedScheduling: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu.", o.LastEvent);
    }

    [Fact]
    public void Once_every_pod_is_scheduled_the_newest_warning_explains_the_state()
    {
        var d = Deployment("vllm", replicas: 1);
        var objects = Objects(d, Pod("a-0", ready: false));
        objects.Events.Add(Event("Warning", "Unhealthy", "Startup probe failed: connection refused"));
        objects.Events.Add(Event("Warning", "FailedScheduling", "0/2 nodes are available: 2 Insufficient nvidia.com/gpu."));

        var o = ObservedStateEvaluator.Evaluate(d, objects, InFlight.None);

        Assert.Equal("Unhealthy: Startup probe failed: connection refused", o.LastEvent);
    }

    [Fact]
    public void Some_ready_and_one_unschedulable_is_degraded()
    {
        var d = Deployment("vllm", replicas: 2);

        var o = ObservedStateEvaluator.Evaluate(d, Objects(d, ReadyPod("a-0"), UnschedulablePod("a-1")), InFlight.None);

        Assert.Equal(ObservedState.Degraded, o.State);
    }

    [Fact]
    public void A_crash_looping_only_pod_is_failed_and_restarts_are_counted()
    {
        var d = Deployment("vllm", replicas: 1);
        var pod = Pod("a-0", ready: false);
        pod.Status.ContainerStatuses = [new V1ContainerStatus { Name = "vllm", RestartCount = 4, State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } } }];

        var o = ObservedStateEvaluator.Evaluate(d, Objects(d, pod), InFlight.None);

        Assert.Equal(ObservedState.Failed, o.State);
        Assert.Equal(4, o.Restarts);
    }

    [Fact]
    public void Pods_still_loading_after_a_scale_up_are_scaling_not_degraded()
    {
        var d = Deployment("vllm", replicas: 3);

        var o = ObservedStateEvaluator.Evaluate(d, Objects(d, ReadyPod("a-0"), Pod("a-1", ready: false), Pod("a-2", ready: false)), InFlight.None);

        Assert.Equal(ObservedState.Scaling, o.State);
    }

    [Fact]
    public void An_ollama_pod_is_not_ready_to_serve_until_its_model_is_pulled()
    {
        var d = Deployment("ollama", replicas: 1, model: "qwen2.5:0.5b");
        var objects = Objects(d, ReadyPod("a-0"));

        Assert.Equal(ObservedState.Deploying, ObservedStateEvaluator.Evaluate(d, objects, InFlight.None).State);
        d.PulledModel = "qwen2.5:0.5b";
        d.PulledReplicas = 1;
        Assert.Equal(ObservedState.Ready, ObservedStateEvaluator.Evaluate(d, objects, InFlight.None).State);
    }

    [Fact]
    public void Stopped_means_no_pods_left()
    {
        var d = Deployment("vllm", replicas: 2);
        d.DesiredState = DesiredState.Stopped;

        Assert.Equal(ObservedState.Scaling, ObservedStateEvaluator.Evaluate(d, Objects(d, ReadyPod("a-0")), InFlight.None).State);
        Assert.Equal(ObservedState.Stopped, ObservedStateEvaluator.Evaluate(d, Objects(d), InFlight.None).State);
    }

    [Fact]
    public void Replicas_changed_outside_the_portal_are_drift_in_words()
    {
        var d = Deployment("vllm", replicas: 2);
        var objects = Objects(d, ReadyPod("a-0"));
        objects.StatefulSet!.Spec.Replicas = 1;

        var o = ObservedStateEvaluator.Evaluate(d, objects, InFlight.None);

        Assert.Equal("the StatefulSet has 1 replicas, the portal wants 2", o.Drift);
    }

    [Fact]
    public void A_deleted_statefulset_and_service_are_drift_but_not_while_a_deploy_runs()
    {
        var d = Deployment("vllm", replicas: 1);
        var empty = new DeploymentObjects("default", d.Name);

        Assert.Equal("the StatefulSet is missing; the Service is missing", ObservedStateEvaluator.Evaluate(d, empty, InFlight.None).Drift);
        Assert.Null(ObservedStateEvaluator.Evaluate(d, empty, new InFlight(Deploy: true, false, false, false)).Drift);
        Assert.Equal(ObservedState.Deploying, ObservedStateEvaluator.Evaluate(d, empty, InFlight.None).State);
    }

    [Fact]
    public void An_autoscaled_deployment_wants_what_the_autoscaler_chose()
    {
        var d = Deployment("vllm", replicas: 1);
        d.SetSpec(d.Spec with { Autoscaling = new AutoscalingSpec { Mode = AutoscalingMode.Hpa, MinReplicas = 1, MaxReplicas = 4 } });
        var objects = Objects(d, ReadyPod("a-0"), ReadyPod("a-1"), ReadyPod("a-2"));
        objects.StatefulSet!.Spec.Replicas = 3;

        var o = ObservedStateEvaluator.Evaluate(d, objects, InFlight.None);

        Assert.Equal(ObservedState.Ready, o.State);
        Assert.Null(o.Drift);
        Assert.Equal(3, ObservedStateEvaluator.DesiredReplicas(d, objects));
    }

    private static Deployment Deployment(string framework, int replicas, string model = "Qwen/Qwen2.5-7B-Instruct")
    {
        var d = new Deployment { Revision = 1, AppliedRevision = 1 };
        d.SetSpec(new DeploymentSpec { Name = "a", Namespace = "default", Framework = framework, Model = model, Replicas = replicas, GpusPerReplica = framework == "ollama" ? 0 : 1 });
        return d;
    }

    private static DeploymentObjects Objects(Deployment d, params V1Pod[] pods)
    {
        var objects = new DeploymentObjects("default", d.Name)
        {
            StatefulSet = new V1StatefulSet
            {
                Metadata = new V1ObjectMeta { Name = d.Name, Generation = 1 },
                Spec = new V1StatefulSetSpec
                {
                    Replicas = d.DesiredReplicas,
                    Template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = "engine", Image = Portal.Domain.Engines.EngineProfiles.Get(d.Framework).Image() }] } },
                },
                Status = new V1StatefulSetStatus { ObservedGeneration = 1, Replicas = pods.Length },
            },
            Service = new V1Service { Metadata = new V1ObjectMeta { Name = d.Name } },
        };
        objects.Pods.AddRange(pods);
        return objects;
    }

    private static V1Pod ReadyPod(string name) => Pod(name, ready: true);

    private static V1Pod Pod(string name, bool ready) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "True" }, new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }],
            ContainerStatuses = [new V1ContainerStatus { Name = "engine", Ready = ready, RestartCount = 0 }],
        },
    };

    private static V1Pod UnschedulablePod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = new V1PodStatus
        {
            Phase = "Pending",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable" }],
        },
    };

    private static Corev1Event Event(string type, string reason, string message, string pod = "a-0") =>
        new() { Type = type, Reason = reason, Message = message, LastTimestamp = DateTime.UtcNow, InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = pod } };
}
