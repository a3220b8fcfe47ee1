using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Portal.Application.Reconcile;
using Portal.Domain.Deployments;
using Portal.Domain.Engines;

namespace Portal.Application.Tests.Reconcile;

/// <summary>Reconcile's decisions from plain rows, a plain cluster snapshot and a fake clock: no database, no cluster.</summary>
public sealed class ReconcilePlannerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_ready_deployment_gets_its_observation_and_no_work()
    {
        var d = Deployment("chat");
        var snapshot = Snapshot(Objects(d, ReadyPod("chat-0")));

        var plan = ReconcilePlanner.Plan(Rows(d), snapshot, new HashSet<long>(), _clock.GetUtcNow());

        Assert.Equal((ObservedState.Ready, 1, _clock.GetUtcNow()), (d.ObservedState, d.ReadyReplicas, d.ObservedAt));
        Assert.Same(d, Assert.Single(plan.Changed));
        Assert.Empty(plan.ToEnqueue);
        Assert.Equal((d, 1), Assert.Single(plan.Published));
    }

    [Fact]
    public void Nothing_visible_changed_means_the_row_is_not_reported_changed()
    {
        var d = Deployment("chat");
        d.ObservedState = ObservedState.Ready;
        d.ReadyReplicas = 1;

        var plan = ReconcilePlanner.Plan(Rows(d), Snapshot(Objects(d, ReadyPod("chat-0"))), new HashSet<long>(), _clock.GetUtcNow());

        Assert.Empty(plan.Changed);
        Assert.Equal(_clock.GetUtcNow(), d.ObservedAt);
    }

    [Fact]
    public void A_revision_no_job_applied_is_applied_by_reconcile_with_the_reason()
    {
        var d = Deployment("chat");
        d.Revision = 3;

        var plan = ReconcilePlanner.Plan(Rows(d), Snapshot(Objects(d, ReadyPod("chat-0"))), new HashSet<long>(), _clock.GetUtcNow());

        var op = Assert.Single(plan.NewOperations);
        Assert.Equal((OperationKind.Deploy, 3L, ReconcilePlanner.RequestedBy), (op.Kind, op.Revision, op.RequestedBy));
        Assert.Equal("revision 3 was not applied (its job was lost); applying it", op.Reason);
    }

    [Fact]
    public void A_revision_whose_job_failed_shows_failed_and_is_applied_again_once_the_backoff_passed()
    {
        var d = Deployment("chat");
        d.Revision = 2;
        d.AppliedRevision = 1;
        var rows = new ReconcileRows([d], [], [Failure(d, OperationKind.Deploy, _clock.GetUtcNow())]);

        var waiting = ReconcilePlanner.Plan(rows, Snapshot(Objects(d, ReadyPod("chat-0"))), new HashSet<long>(), _clock.GetUtcNow() + TimeSpan.FromSeconds(9));
        Assert.Equal(ObservedState.Failed, d.ObservedState);
        Assert.Empty(waiting.NewOperations);

        var retried = ReconcilePlanner.Plan(rows, Snapshot(Objects(d, ReadyPod("chat-0"))), new HashSet<long>(), _clock.GetUtcNow() + TimeSpan.FromSeconds(10));
        var op = Assert.Single(retried.NewOperations);
        Assert.Equal((OperationKind.Deploy, 2L, "revision 2 was not applied (its job failed (once)); applying it"), (op.Kind, op.Revision, op.Reason));
    }

    [Fact]
    public void Each_further_failure_of_a_revision_doubles_the_wait_up_to_two_minutes()
    {
        Assert.Equal(
            [10, 20, 40, 80, 120, 120],
            Enumerable.Range(1, 6).Select(n => RetryBackoff.After(n).TotalSeconds));

        var d = Deployment("chat");
        d.Revision = 2;
        d.AppliedRevision = 1;
        var start = _clock.GetUtcNow();
        var rows = new ReconcileRows([d], [], [Failure(d, OperationKind.Deploy, start), Failure(d, OperationKind.Deploy, start + TimeSpan.FromSeconds(15))]);

        Assert.Empty(ReconcilePlanner.Plan(rows, Snapshot(Objects(d)), new HashSet<long>(), start + TimeSpan.FromSeconds(34)).NewOperations);
        Assert.Single(ReconcilePlanner.Plan(rows, Snapshot(Objects(d)), new HashSet<long>(), start + TimeSpan.FromSeconds(35)).NewOperations);
    }

    [Fact]
    public void A_failed_delete_is_started_again_with_the_same_choice_about_the_model_cache()
    {
        var d = Deployment("chat");
        d.DesiredState = DesiredState.Deleted;
        var parameters = new OperationParameters(DeleteModelCache: true).ToJson();
        var rows = new ReconcileRows([d], [], [Failure(d, OperationKind.Delete, _clock.GetUtcNow(), parameters)]);

        var plan = ReconcilePlanner.Plan(rows, Snapshot(Objects(d, ReadyPod("chat-0"))), new HashSet<long>(), _clock.GetUtcNow() + TimeSpan.FromSeconds(10));

        var op = Assert.Single(plan.NewOperations);
        Assert.Equal((OperationKind.Delete, parameters, "the delete failed (once); deleting again"), (op.Kind, op.Parameters, op.Reason));
    }

    [Fact]
    public void A_delete_that_succeeded_is_not_repeated_while_its_pods_terminate()
    {
        var d = Deployment("chat");
        d.DesiredState = DesiredState.Deleted;

        var plan = ReconcilePlanner.Plan(Rows(d), Snapshot(Objects(d, ReadyPod("chat-0"))), new HashSet<long>(), _clock.GetUtcNow());

        Assert.Empty(plan.NewOperations);
        Assert.Empty(plan.Removed);
    }

    [Theory]
    [InlineData(DriftPolicy.Reapply, true)]
    [InlineData(DriftPolicy.Report, false)]
    public void Drift_is_repaired_or_reported_by_the_deployment_s_policy(DriftPolicy policy, bool repaired)
    {
        var d = Deployment("chat", policy: policy);
        var objects = Objects(d, ReadyPod("chat-0"));
        objects.StatefulSet!.Spec.Replicas = 3; // someone scaled it with kubectl

        var plan = ReconcilePlanner.Plan(Rows(d), Snapshot(objects), new HashSet<long>(), _clock.GetUtcNow());

        if (repaired)
        {
            var op = Assert.Single(plan.NewOperations);
            Assert.Equal(OperationKind.Reconcile, op.Kind);
            Assert.StartsWith("drift: ", op.Reason);
            Assert.Null(d.Drift);
        }
        else
        {
            Assert.Empty(plan.NewOperations);
            Assert.Contains("replicas", d.Drift);
        }
    }

    [Fact]
    public void A_deleted_deployment_with_nothing_left_is_removed_unless_its_delete_is_still_running()
    {
        var gone = Deployment("gone");
        gone.DesiredState = DesiredState.Deleted;
        var deleting = Deployment("deleting");
        deleting.DesiredState = DesiredState.Deleted;
        var rows = new ReconcileRows([gone, deleting], [Open(deleting, OperationKind.Delete, 7)], []);

        var plan = ReconcilePlanner.Plan(rows, new ClusterSnapshot(), new HashSet<long>(), _clock.GetUtcNow());

        Assert.Same(gone, Assert.Single(plan.Removed));
        Assert.Equal(ObservedState.Deleting, deleting.ObservedState);
    }

    [Fact]
    public void Work_whose_job_was_lost_is_enqueued_again_and_says_so()
    {
        var d = Deployment("chat");
        var open = Open(d, OperationKind.Scale, 42, jobId: "job-1");
        var rows = new ReconcileRows([d], [open], []);

        var plan = ReconcilePlanner.Plan(rows, Snapshot(Objects(d, ReadyPod("chat-0"))), new HashSet<long> { 42 }, _clock.GetUtcNow());

        Assert.Same(open, Assert.Single(plan.Recovered));
        Assert.Equal(OperationOutcome.Pending, open.Outcome);
        Assert.EndsWith("re-enqueued by reconcile: job job-1 was lost", open.Reason);
        Assert.Empty(plan.NewOperations); // the scale in flight is the work; nothing else starts
    }

    [Fact]
    public void Only_operations_older_than_the_grace_are_asked_about_their_job()
    {
        var d = Deployment("chat");
        var old = Open(d, OperationKind.Deploy, 1, requestedAt: _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(8));
        var young = Open(d, OperationKind.Scale, 2, requestedAt: _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(4));
        var rows = new ReconcileRows([d], [old, young], []);

        var candidates = ReconcilePlanner.LostJobCandidates(rows, _clock.GetUtcNow(), TimeSpan.FromSeconds(10));

        Assert.Same(old, Assert.Single(candidates));
    }

    [Fact]
    public void An_ollama_model_is_pulled_on_pods_that_turned_ready_without_it()
    {
        var d = Deployment("tiny", framework: "ollama", model: "qwen2.5:0.5b");
        d.PulledModel = "qwen2.5:0.5b";
        d.PulledReplicas = 0;

        var plan = ReconcilePlanner.Plan(Rows(d), Snapshot(Objects(d, ReadyPod("tiny-0"))), new HashSet<long>(), _clock.GetUtcNow());

        var op = Assert.Single(plan.NewOperations);
        Assert.Equal((OperationKind.PullModel, "pulling qwen2.5:0.5b on 1 ready pod(s)"), (op.Kind, op.Reason));
        Assert.Equal(ObservedState.Deploying, d.ObservedState); // pods up, model not there yet
    }

    private ReconcileRows Rows(params Deployment[] deployments) => new(deployments, [], []);

    private static JobFailure Failure(Deployment d, OperationKind kind, DateTimeOffset at, string? parameters = null) => new(d.Id, d.Revision, kind, parameters, at);

    private Operation Open(Deployment d, OperationKind kind, long id, string? jobId = null, DateTimeOffset? requestedAt = null) => new()
    {
        Id = id,
        DeploymentId = d.Id,
        DeploymentName = d.Name,
        Kind = kind,
        Revision = d.Revision,
        RequestedAt = requestedAt ?? _clock.GetUtcNow(),
        JobId = jobId,
        Outcome = OperationOutcome.Running,
    };

    private static Deployment Deployment(string name, string framework = "vllm", string model = "Qwen/Qwen2.5-7B-Instruct", DriftPolicy policy = DriftPolicy.Reapply)
    {
        var d = new Deployment { Revision = 1, AppliedRevision = 1 };
        d.SetSpec(new DeploymentSpec
        {
            Name = name, Namespace = "default", Framework = framework, Model = model, Replicas = 1,
            GpusPerReplica = framework == "ollama" ? 0 : 1, DriftPolicy = policy,
        });
        return d;
    }

    private static ClusterSnapshot Snapshot(params DeploymentObjects[] objects)
    {
        var snapshot = new ClusterSnapshot();
        foreach (var o in objects)
        {
            var entry = snapshot.Entry(o.Namespace, o.Name);
            entry.StatefulSet = o.StatefulSet;
            entry.Service = o.Service;
            entry.Pods.AddRange(o.Pods);
        }

        return snapshot;
    }

    private static DeploymentObjects Objects(Deployment d, params V1Pod[] pods)
    {
        var objects = new DeploymentObjects(d.Namespace, d.Name)
        {
            StatefulSet = new V1StatefulSet
            {
                Metadata = new V1ObjectMeta { Name = d.Name, Generation = 1 },
                Spec = new V1StatefulSetSpec
                {
                    Replicas = d.DesiredReplicas,
                    Template = new V1PodTemplateSpec { Spec = new V1PodSpec { Containers = [new V1Container { Name = "engine", Image = EngineProfiles.Get(d.Framework).Image() }] } },
                },
                Status = new V1StatefulSetStatus { ObservedGeneration = 1, Replicas = pods.Length },
            },
            Service = new V1Service { Metadata = new V1ObjectMeta { Name = d.Name } },
        };
        objects.Pods.AddRange(pods);
        return objects;
    }

    private static V1Pod ReadyPod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "True" }, new V1PodCondition { Type = "Ready", Status = "True" }],
            ContainerStatuses = [new V1ContainerStatus { Name = "engine", Ready = true, RestartCount = 0 }],
        },
    };
}
