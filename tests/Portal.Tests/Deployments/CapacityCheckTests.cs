using Portal.Domain.Capacity;
using Portal.Domain.Deployments;
using Portal.Services.Wizard;

namespace Portal.Tests.Deploying;

/// <summary>The wizard's GPU capacity warning: replicas that must wait, and replicas that can never run.</summary>
public sealed class CapacityCheckTests
{
    [Fact]
    public void More_gpus_than_the_nodes_hold_can_never_all_run()
    {
        var check = DeployWizard.CheckCapacity(Draft(gpus: 8, replicas: 3), Cluster(inUse: (0, 0)))!;

        Assert.Equal(CapacitySeverity.Impossible, check.Severity);
        Assert.Contains("3 replicas × 8 GPUs = 24 GPUs", check.Message);
        Assert.Contains("room for 2 replicas of 8 GPUs", check.Message);
        Assert.Contains("1 pod would stay Pending", check.Message);
    }

    [Fact]
    public void Gpus_held_by_other_pods_make_replicas_wait_and_say_how_many_fit_now()
    {
        // 5 of node 1's GPUs are taken: one 4-GPU replica fits on node 2 and none on node 1's remaining 3.
        var check = DeployWizard.CheckCapacity(Draft(gpus: 4, replicas: 3), Cluster(inUse: (5, 4)))!;

        Assert.Equal(CapacitySeverity.Warning, check.Severity);
        Assert.Contains("Only 1 replica of 4 GPUs fits on the 7 free GPUs now", check.Message);
    }

    [Fact]
    public void What_fits_raises_nothing_and_neither_does_an_unreachable_cluster()
    {
        Assert.Null(DeployWizard.CheckCapacity(Draft(gpus: 2, replicas: 4), Cluster(inUse: (0, 0))));
        Assert.Null(DeployWizard.CheckCapacity(Draft(gpus: 8, replicas: 9), new WizardContext(ClusterLimits.Default, ClusterCapacity.Unknown, ["default"])));
    }

    [Fact]
    public void Autoscaling_is_checked_at_its_minimum()
    {
        var draft = Draft(gpus: 8, replicas: 1);
        draft.AutoscalingMode = AutoscalingMode.Hpa;
        draft.MinReplicas = 3;

        Assert.Equal(CapacitySeverity.Impossible, DeployWizard.CheckCapacity(draft, Cluster(inUse: (0, 0)))!.Severity);
    }

    private static WizardDraft Draft(int gpus, int replicas)
    {
        var draft = new WizardDraft();
        draft.ChangeFramework("vllm");
        draft.GpusPerReplica = gpus;
        draft.Replicas = replicas;
        return draft;
    }

    private static WizardContext Cluster((int Node1, int Node2) inUse) => new(
        ClusterLimits.Default,
        new ClusterCapacity(
            [new NodeGpus("gpu-node-1", "NVIDIA-H100-80GB-HBM3", 81559, 8, inUse.Node1), new NodeGpus("gpu-node-2", "NVIDIA-H100-80GB-HBM3", 81559, 8, inUse.Node2)],
            Reachable: true),
        ["default"]);
}
