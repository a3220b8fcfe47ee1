using System.ComponentModel.DataAnnotations;

namespace Portal.Infrastructure.Prometheus;

/// <summary>
/// Where the dashboard reads metrics from (section <c>Prometheus</c>). Without a URL the portal runs
/// and the dashboard says Prometheus is not configured.
/// </summary>
public sealed class PrometheusOptions : IValidatableObject
{
    public const string Section = "Prometheus";

    /// <summary>Base URL of the Prometheus HTTP API, for example <c>http://prometheus:9090</c> (a path prefix is kept).</summary>
    public Uri? Url { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Basic authentication user; needs <see cref="Password"/>.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>How long one attempt may take; Prometheus is also asked to give up after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries after a failed attempt (connection errors, 5xx, timeouts), with a short backoff.</summary>
    [Range(0, 5)]
    public int Retries { get; set; } = 2;

    public bool IsConfigured => Url is not null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Url is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"Prometheus:Url must be an absolute http or https URL, not '{url}'.", [nameof(Url)]);
        }

        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult("Prometheus:Username and Prometheus:Password go together.", [nameof(Username), nameof(Password)]);
        }

        if (!string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(BearerToken))
        {
            yield return new ValidationResult("Set Prometheus:BearerToken or Prometheus:Username/Password, not both.", [nameof(BearerToken)]);
        }
    }
}
