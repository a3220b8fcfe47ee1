using Portal.Domain.Deployments;

namespace Portal.Application.Deployments;

/// <summary>
/// Create a deployment. <paramref name="HuggingFaceToken"/>, when given, is stored as the Secret
/// <c>{name}-hf-token</c> before anything else and named in the spec; it is never stored in the portal.
/// </summary>
public sealed record CreateDeployment(DeploymentSpec Spec, string? HuggingFaceToken = null);

/// <summary>Replace a deployment's spec; a stale <paramref name="IfMatch"/> ETag is refused.</summary>
public sealed record UpdateDeployment(string Name, DeploymentSpec Spec, string? IfMatch = null);

public sealed record ScaleDeployment(string Name, int Replicas, string? IfMatch = null);

/// <summary>Scale to zero, keeping the model cache.</summary>
public sealed record StopDeployment(string Name);

public sealed record StartDeployment(string Name);

/// <summary>Delete what the portal created; the model-cache volumes too when <paramref name="DeleteModelCache"/>.</summary>
public sealed record DeleteDeployment(string Name, bool DeleteModelCache = false);

/// <summary>Pull the model again on every ready pod (engines that load models after start).</summary>
public sealed record PullModel(string Name);
