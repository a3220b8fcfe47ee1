using Microsoft.Extensions.Options;
using Portal.Domain.Deployments;
using Portal.Domain.Manifests;

namespace Portal.Services.Deployments;

/// <summary>The manifests of a stored deployment as YAML and Helm values: the same render as <c>GET /api/v1/deployments/{name}/manifests</c>.</summary>
public sealed class DeploymentManifests(IOptions<RenderOptions> renderOptions)
{
    public string Yaml(Deployment deployment) =>
        ManifestYaml.Serialize(ManifestRenderer.Render(deployment.EffectiveSpec, deployment.Revision, renderOptions.Value));

    public string HelmValues(Deployment deployment) => HelmValuesExporter.Export(deployment.Spec, renderOptions.Value);
}
