using System.ComponentModel.DataAnnotations;

namespace Portal.Gateway;

/// <summary>Configuration section <c>Gateway</c>: the OpenAI-compatible gateway at <c>/v1</c>.</summary>
public sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    /// <summary>Requests per minute one API key (or one signed-in user in the playground) may send; 0 turns the limit off.</summary>
    [Range(0, 10_000_000)]
    public int RateLimitPerMinute { get; set; } = 6000;

    /// <summary>Largest request body accepted; larger ones get 413.</summary>
    [Range(1024, 256L * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How long connecting to an engine pod may take before the gateway tries another pod.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest silence from an engine (waiting for headers, or between two chunks) before the request fails with 504.</summary>
    public TimeSpan UpstreamActivityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the routing table is rebuilt from the database even without a change signal (a safety net).</summary>
    public TimeSpan RouteRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a request for a model scaled to zero is held while it wakes, before it fails with 503.</summary>
    public TimeSpan ColdStartWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Requests held at once per model scaled to zero; more get 429.</summary>
    [Range(1, 100_000)]
    public int ColdStartQueueLimit { get; set; } = 100;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("Gateway:ConnectTimeout must be between 00:00:00.001 and 00:05:00.", [nameof(ConnectTimeout)]);
        }

        if (UpstreamActivityTimeout < TimeSpan.FromSeconds(1) || UpstreamActivityTimeout > TimeSpan.FromHours(2))
        {
            yield return new ValidationResult("Gateway:UpstreamActivityTimeout must be between 00:00:01 and 02:00:00.", [nameof(UpstreamActivityTimeout)]);
        }

        if (ColdStartWait < TimeSpan.FromSeconds(1) || ColdStartWait > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Gateway:ColdStartWait must be between 00:00:01 and 01:00:00.", [nameof(ColdStartWait)]);
        }

        if (RouteRefreshInterval < TimeSpan.FromSeconds(1) || RouteRefreshInterval > TimeSpan.FromHours(1))
        {
            yield return new ValidationResult("Gateway:RouteRefreshInterval must be between 00:00:01 and 01:00:00.", [nameof(RouteRefreshInterval)]);
        }
    }
}
