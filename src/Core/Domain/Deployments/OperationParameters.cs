using System.Text.Json;

namespace Portal.Domain.Deployments;

/// <summary>What an operation needs besides its kind, stored as JSON on the Operation so lost work can be re-enqueued.</summary>
public sealed record OperationParameters(int? Replicas = null, bool? DeleteModelCache = null)
{
    public string? ToJson() => Replicas is null && DeleteModelCache is null ? null : JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    public static OperationParameters FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? new() : JsonSerializer.Deserialize<OperationParameters>(json, JsonSerializerOptions.Web) ?? new();
}
