using Portal.Simulator.Api;

namespace Portal.Simulator.Controllers;

/// <summary>A dynamic provisioner with an Immediate binding mode: every new claim gets a volume of the size it asked for.</summary>
internal sealed class VolumeBinder(ObjectStore store, EventRecorder events)
{
    private const string Component = "persistentvolume-controller";

    public void OnClaimChanged(StoredObject claim)
    {
        if (claim.Object.String("status.phase") != "Pending" || claim.Object.At("metadata.deletionTimestamp") is not null)
        {
            return;
        }

        var volume = $"pvc-{claim.Uid}";
        var bound = store.Update(ResourceTypes.PersistentVolumeClaims, claim.Namespace, claim.Name, current =>
        {
            if (current is null || current.Object.String("status.phase") != "Pending")
            {
                return null;
            }

            var obj = current.Clone();
            var spec = obj.Child("spec");
            spec["volumeName"] = volume;
            spec["storageClassName"] ??= "standard";
            var annotations = obj.Metadata().Child("annotations");
            annotations["pv.kubernetes.io/bind-completed"] = "yes";
            annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
            annotations["volume.kubernetes.io/storage-provisioner"] = "rancher.io/local-path";
            var status = obj.Child("status");
            status["phase"] = "Bound";
            status["accessModes"] = spec["accessModes"]?.DeepClone();
            status["capacity"] = new System.Text.Json.Nodes.JsonObject { ["storage"] = spec.String("resources.requests.storage") ?? "1Gi" };
            return obj;
        });
        if (bound is not null)
        {
            events.Normal(bound, "ProvisioningSucceeded", $"Successfully provisioned volume {volume}", "rancher.io/local-path");
        }
    }
}
