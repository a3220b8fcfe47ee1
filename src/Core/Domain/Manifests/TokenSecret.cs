using System.Text;
using k8s.Models;
using Portal.Domain.Deployments;

namespace Portal.Domain.Manifests;

/// <summary>The Secret the portal makes from a pasted Hugging Face token: <c>{deployment}-hf-token</c>, key <c>token</c>, labelled as the portal's.</summary>
public static class TokenSecret
{
    public const string NameSuffix = "-hf-token";

    public const string Key = "token";

    public static string NameFor(string deployment) => deployment + NameSuffix;

    public static V1Secret Render(DeploymentSpec spec, string token) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = "Opaque",
        Metadata = new V1ObjectMeta
        {
            Name = NameFor(spec.Name),
            NamespaceProperty = spec.Namespace,
            Labels = new Dictionary<string, string>
            {
                [PortalLabels.ManagedBy] = PortalLabels.ManagedByValue,
                [PortalLabels.Instance] = spec.Name,
            },
        },
        Data = new Dictionary<string, byte[]> { [Key] = Encoding.UTF8.GetBytes(token) },
    };

    /// <summary>What is wrong with a pasted token, or null when it can be stored.</summary>
    public static string? Problem(string? token) =>
        string.IsNullOrWhiteSpace(token) ? "Paste the Hugging Face token (it starts with hf_), or choose another option."
        : token.Trim().Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? "The token must not contain spaces or line breaks."
        : null;
}
