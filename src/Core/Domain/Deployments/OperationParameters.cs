using System.Text.Json;

namespace Portal.Domain.Deployments;

/// <summary>What an operation needs besides its kind, stored as JSON on the Operation so lost work can be re-enqueued.</summary>
public sealed record OperationParameters(int? Replicas = null, bool? DeleteModelCache = null, ColdStart? ColdStart = null)
{
    public string? ToJson() => Replicas is null && DeleteModelCache is null && ColdStart is null ? null : JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    public static OperationParameters FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? new() : JsonSerializer.Deserialize<OperationParameters>(json, JsonSerializerOptions.Web) ?? new();
}

/// <summary>
/// One measured cold start of a deployment woken from zero, in seconds from the wake request: until the pod
/// existed (activation), was scheduled, had its container running (image pull and start) and was Ready (model load).
/// </summary>
public sealed record ColdStart(double Activation, double Scheduled, double Image, double ModelLoad)
{
    public double Total => Activation + Scheduled + Image + ModelLoad;
}
