using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;
using Portal.Application.Ports;
using Portal.Domain.Manifests;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>
/// Every write the portal makes to a cluster for one deployment: server-side apply with one
/// field manager, the scale subresource, and deletion of what the portal created. Each call is
/// idempotent, so a job can run it again after a crash or a retry.
/// </summary>
public sealed class ClusterWriter(ClusterConnection connection, IOptions<KubernetesOptions> options) : IClusterWriter
{
    /// <summary>The renderer's volume claim template name for the model cache.</summary>
    public const string ModelCacheTemplate = ManifestRenderer.ModelCacheVolume;

    private IKubernetes Client => connection.Client;

    public async Task EnsureNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await Client.CoreV1.ReadNamespaceAsync(name, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (ClusterFailure.IsNotFound(e))
        {
            if (!options.Value.CreateNamespaces)
            {
                throw new PermanentClusterException(
                    $"Namespace '{name}' does not exist, and the portal may not create namespaces (Kubernetes:CreateNamespaces is off).");
            }

            await Apply(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name } }, cancellationToken);
        }
    }

    /// <summary>Applies every rendered object and removes an autoscaler the spec no longer asks for.</summary>
    public async Task ApplyAsync(RenderedManifests manifests, CancellationToken cancellationToken)
    {
        var ns = manifests.StatefulSet.Namespace();
        var name = manifests.StatefulSet.Name();
        await Apply(manifests.Service, cancellationToken);
        await Apply(manifests.StatefulSet, cancellationToken);

        if (manifests.Hpa is not null)
        {
            await Apply(manifests.Hpa, cancellationToken);
        }
        else
        {
            await IgnoreNotFound(Client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: cancellationToken));
        }

        if (manifests.ScaledObject is not null)
        {
            await Apply(manifests.ScaledObject, cancellationToken);
        }
        else
        {
            await IgnoreNotFound(Client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                KedaScaledObject.KubeGroup, KedaScaledObject.KubeApiVersion, ns, KedaScaledObject.KubePluralName, name,
                cancellationToken: cancellationToken));
        }
    }

    public async Task SetForceActivationAsync(string ns, string name, bool active, CancellationToken cancellationToken)
    {
        var annotations = new Dictionary<string, string?> { ["autoscaling.keda.sh/force-activation"] = active ? "true" : null };
        var patch = new V1Patch(new { metadata = new { annotations } }, V1Patch.PatchType.MergePatch);
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            patch, KedaScaledObject.KubeGroup, KedaScaledObject.KubeApiVersion, ns, KedaScaledObject.KubePluralName, name, cancellationToken: cancellationToken);
    }

    public Task ScaleAsync(string ns, string name, int replicas, CancellationToken cancellationToken) =>
        Client.AppsV1.PatchNamespacedStatefulSetScaleAsync(
            new V1Patch(new { spec = new { replicas } }, V1Patch.PatchType.MergePatch), name, ns,
            cancellationToken: cancellationToken);

    /// <summary>
    /// Removes what the portal created for a deployment. The model-cache claims outlive the
    /// StatefulSet (as in Kubernetes itself) unless <paramref name="deleteModelCache"/> is set.
    /// </summary>
    public async Task DeleteAsync(string ns, string name, bool deleteModelCache, CancellationToken cancellationToken)
    {
        var foreground = new V1DeleteOptions { PropagationPolicy = "Foreground" };
        await IgnoreNotFound(Client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: cancellationToken));
        await IgnoreNotFound(Client.CustomObjects.DeleteNamespacedCustomObjectAsync(
            KedaScaledObject.KubeGroup, KedaScaledObject.KubeApiVersion, ns, KedaScaledObject.KubePluralName, name,
            cancellationToken: cancellationToken));
        await IgnoreNotFound(Client.AppsV1.DeleteNamespacedStatefulSetAsync(name, ns, foreground, cancellationToken: cancellationToken));
        await IgnoreNotFound(Client.CoreV1.DeleteNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken));

        await DeleteTokenSecretAsync(ns, name, cancellationToken);

        if (deleteModelCache)
        {
            foreach (var claim in await ModelCacheClaimsAsync(ns, name, cancellationToken))
            {
                await IgnoreNotFound(Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync(claim, ns, cancellationToken: cancellationToken));
            }
        }
    }

    /// <summary>The Secret the portal made from a pasted Hugging Face token; named by convention, since the
    /// portal may not list Secrets (a list returns every Secret's data). One the user made and referenced stays.</summary>
    private async Task DeleteTokenSecretAsync(string ns, string name, CancellationToken cancellationToken)
    {
        V1Secret secret;
        try
        {
            secret = await Client.CoreV1.ReadNamespacedSecretAsync(TokenSecret.NameFor(name), ns, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (ClusterFailure.IsNotFound(e))
        {
            return;
        }

        var labels = secret.Metadata.Labels ?? new Dictionary<string, string>();
        if (labels.TryGetValue(PortalLabels.ManagedBy, out var manager) && manager == PortalLabels.ManagedByValue
            && labels.TryGetValue(PortalLabels.Instance, out var instance) && instance == name)
        {
            await IgnoreNotFound(Client.CoreV1.DeleteNamespacedSecretAsync(secret.Name(), ns, cancellationToken: cancellationToken));
        }
    }

    /// <summary>Whether the StatefulSet, its pods or its Service still exist.</summary>
    public async Task<bool> AnythingLeftAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var pods = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: PortalLabels.SelectorFor(name), cancellationToken: cancellationToken);
        if (pods.Items.Count > 0)
        {
            return true;
        }

        var sets = await Client.AppsV1.ListNamespacedStatefulSetAsync(ns, fieldSelector: $"metadata.name={name}", cancellationToken: cancellationToken);
        return sets.Items.Count > 0;
    }

    /// <summary>Claims made from the StatefulSet's <c>model-cache</c> template: <c>model-cache-{name}-{ordinal}</c>.</summary>
    public async Task<IReadOnlyList<string>> ModelCacheClaimsAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var claims = await Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: cancellationToken);
        var prefix = $"{ModelCacheTemplate}-{name}-";
        return claims.Items
            .Select(c => c.Name())
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(n[prefix.Length..], out _))
            .ToList();
    }

    private Task Apply<T>(T obj, CancellationToken cancellationToken) where T : IKubernetesObject<V1ObjectMeta>
    {
        var patch = new V1Patch(KubernetesJson.Serialize(obj), V1Patch.PatchType.ApplyPatch);
        var name = obj.Name();
        var ns = obj.Namespace();
        const string manager = KubernetesOptions.FieldManager;
        return obj switch
        {
            V1Namespace => Client.CoreV1.PatchNamespaceAsync(patch, name, fieldManager: manager, force: true, cancellationToken: cancellationToken),
            V1Service => Client.CoreV1.PatchNamespacedServiceAsync(patch, name, ns, fieldManager: manager, force: true, cancellationToken: cancellationToken),
            V1StatefulSet => Client.AppsV1.PatchNamespacedStatefulSetAsync(patch, name, ns, fieldManager: manager, force: true, cancellationToken: cancellationToken),
            V2HorizontalPodAutoscaler => Client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerAsync(patch, name, ns, fieldManager: manager, force: true, cancellationToken: cancellationToken),
            KedaScaledObject => Client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, KedaScaledObject.KubeGroup, KedaScaledObject.KubeApiVersion, ns, KedaScaledObject.KubePluralName, name, fieldManager: manager, force: true, cancellationToken: cancellationToken),
            V1Secret => Client.CoreV1.PatchNamespacedSecretAsync(patch, name, ns, fieldManager: manager, force: true, cancellationToken: cancellationToken),
            _ => throw new NotSupportedException($"The portal does not apply {obj.Kind} objects."),
        };
    }

    /// <summary>Creates or updates a Secret (for example a Hugging Face token) with the portal's labels.</summary>
    public Task ApplySecretAsync(V1Secret secret, CancellationToken cancellationToken) => Apply(secret, cancellationToken);

    private static async Task IgnoreNotFound(Task call)
    {
        try
        {
            await call;
        }
        catch (Exception e) when (ClusterFailure.IsNotFound(e))
        {
        }
    }
}

/// <summary>A failure that retrying cannot fix (a missing namespace the portal may not create, a refused manifest).</summary>
public sealed class PermanentClusterException(string message, Exception? inner = null) : Exception(message, inner);
