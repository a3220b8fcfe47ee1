using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Portal.Application.Monitoring;
using Portal.Application.Ports;

namespace Portal.Infrastructure.Prometheus;

/// <summary>
/// Typed client of the Prometheus HTTP API (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>,
/// <c>/api/v1/targets</c>, <c>/-/ready</c>). Timeouts and retries come from the resilience handler
/// it is registered with; every failure comes back as a <see cref="PrometheusError"/>, never as an
/// exception (only the caller's own cancellation is thrown).
/// </summary>
public sealed partial class PrometheusClient(
    HttpClient http,
    IOptions<PrometheusOptions> options,
    PrometheusQueryMetrics metrics,
    ILogger<PrometheusClient> logger) : IPrometheus
{
    private readonly PrometheusOptions _options = options.Value;

    /// <summary>The configured Prometheus URL, or null when none is set.</summary>
    public Uri? Url => _options.Url;

    /// <summary>Evaluates <paramref name="promql"/> at one instant (now when <paramref name="at"/> is null).</summary>
    public Task<PrometheusResult<IReadOnlyList<InstantSample>>> QueryAsync(string promql, DateTimeOffset? at = null, CancellationToken cancellationToken = default)
    {
        var form = new List<KeyValuePair<string, string>> { new("query", promql), new("timeout", Seconds(_options.Timeout)) };
        if (at is { } time)
        {
            form.Add(new("time", UnixSeconds(time)));
        }

        return SendAsync("query", HttpMethod.Post, "api/v1/query", form, PrometheusJson.ReadVector, cancellationToken);
    }

    /// <summary>Evaluates <paramref name="promql"/> at <paramref name="start"/>, start + step, … up to <paramref name="end"/>.</summary>
    public Task<PrometheusResult<IReadOnlyList<RangeSeries>>> QueryRangeAsync(
        string promql, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken = default)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("query", promql),
            new("start", UnixSeconds(start)),
            new("end", UnixSeconds(end)),
            new("step", Seconds(step)),
            new("timeout", Seconds(_options.Timeout)),
        };
        return SendAsync("query_range", HttpMethod.Post, "api/v1/query_range", form, PrometheusJson.ReadMatrix, cancellationToken);
    }

    /// <summary>The active scrape targets with their health and last error.</summary>
    public Task<PrometheusResult<IReadOnlyList<ScrapeTarget>>> TargetsAsync(CancellationToken cancellationToken = default) =>
        SendAsync("targets", HttpMethod.Get, "api/v1/targets?state=active", null, PrometheusJson.ReadTargets, cancellationToken);

    /// <summary>True when Prometheus answers <c>/-/ready</c> with 200, false when it answers 503 (starting up).</summary>
    public async Task<PrometheusResult<bool>> ReadyAsync(CancellationToken cancellationToken = default)
    {
        if (_options.Url is null)
        {
            return PrometheusResult<bool>.Failure(NotConfigured);
        }

        try
        {
            using var response = await http.GetAsync("-/ready", cancellationToken);
            metrics.Count("ready", response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.ServiceUnavailable);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => PrometheusResult<bool>.Success(true),
                HttpStatusCode.ServiceUnavailable => PrometheusResult<bool>.Success(false),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => PrometheusResult<bool>.Failure(Unauthorized(response.StatusCode)),
                _ => PrometheusResult<bool>.Failure(new PrometheusError(PrometheusErrorKind.ServerError,
                    $"/-/ready answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}", StatusCode: (int)response.StatusCode)),
            };
        }
        catch (Exception ex) when (Classify(ex, cancellationToken) is { } error)
        {
            metrics.Count("ready", success: false);
            LogFailed(logger, "ready", error.Kind, error.Message);
            return PrometheusResult<bool>.Failure(error);
        }
    }

    private static PrometheusError NotConfigured { get; } =
        new(PrometheusErrorKind.NotConfigured, "No Prometheus URL is configured (set Prometheus:Url).");

    private async Task<PrometheusResult<T>> SendAsync<T>(
        string endpoint,
        HttpMethod method,
        string path,
        List<KeyValuePair<string, string>>? form,
        Func<JsonElement, T> read,
        CancellationToken cancellationToken)
    {
        if (_options.Url is null)
        {
            return PrometheusResult<T>.Failure(NotConfigured);
        }

        var result = await SendCoreAsync(method, path, form, read, cancellationToken);
        metrics.Count(endpoint, result.IsSuccess);
        if (!result.IsSuccess)
        {
            LogFailed(logger, endpoint, result.Error.Kind, result.Error.Message);
        }

        return result;
    }

    private async Task<PrometheusResult<T>> SendCoreAsync<T>(
        HttpMethod method,
        string path,
        List<KeyValuePair<string, string>>? form,
        Func<JsonElement, T> read,
        CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path);
            if (form is not null)
            {
                request.Content = new FormUrlEncodedContent(form);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return PrometheusResult<T>.Failure(Unauthorized(response.StatusCode));
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException) when (!response.IsSuccessStatusCode)
            {
                return PrometheusResult<T>.Failure(new PrometheusError(PrometheusErrorKind.ServerError,
                    $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Snippet(body)}", StatusCode: (int)response.StatusCode));
            }

            using (document)
            {
                var (data, warnings, apiError) = PrometheusJson.ReadEnvelope(document.RootElement);
                if (apiError is not null)
                {
                    return PrometheusResult<T>.Failure(new PrometheusError(KindOf(apiError.ErrorType), apiError.Message, apiError.ErrorType, (int)response.StatusCode));
                }

                if (!response.IsSuccessStatusCode)
                {
                    return PrometheusResult<T>.Failure(new PrometheusError(PrometheusErrorKind.ServerError,
                        $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", StatusCode: (int)response.StatusCode));
                }

                return PrometheusResult<T>.Success(read(data), warnings);
            }
        }
        catch (JsonException ex)
        {
            return PrometheusResult<T>.Failure(new PrometheusError(PrometheusErrorKind.InvalidResponse,
                $"The answer is not Prometheus API JSON: {ex.Message}"));
        }
        catch (Exception ex) when (Classify(ex, cancellationToken) is { } error)
        {
            return PrometheusResult<T>.Failure(error);
        }
    }

    /// <summary>Turns a transport failure into an error; null for the caller's own cancellation and for bugs.</summary>
    private PrometheusError? Classify(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        TimeoutRejectedException => new PrometheusError(PrometheusErrorKind.Timeout,
            $"No answer from {_options.Url} within {Seconds(_options.Timeout)} s."),
        BrokenCircuitException => new PrometheusError(PrometheusErrorKind.Unreachable,
            $"Requests to {_options.Url} are paused after repeated failures; retrying shortly."),
        HttpRequestException http => new PrometheusError(PrometheusErrorKind.Unreachable, Describe(http)),
        OperationCanceledException when !cancellationToken.IsCancellationRequested => new PrometheusError(PrometheusErrorKind.Timeout,
            $"No answer from {_options.Url} in time."),
        _ => null,
    };

    private static string Describe(HttpRequestException ex)
    {
        var inner = ex.InnerException?.Message;
        return string.IsNullOrEmpty(inner) || ex.Message.Contains(inner, StringComparison.Ordinal) ? ex.Message : $"{ex.Message} {inner}";
    }

    private static PrometheusError Unauthorized(HttpStatusCode status) => new(PrometheusErrorKind.Unauthorized,
        status == HttpStatusCode.Unauthorized
            ? "Prometheus asked for credentials (HTTP 401): check Prometheus:BearerToken or Prometheus:Username/Password."
            : "Prometheus refused the credentials (HTTP 403).",
        StatusCode: (int)status);

    private static PrometheusErrorKind KindOf(string errorType) => errorType switch
    {
        "bad_data" => PrometheusErrorKind.BadQuery,
        "execution" => PrometheusErrorKind.QueryFailed,
        "timeout" or "canceled" => PrometheusErrorKind.Timeout,
        _ => PrometheusErrorKind.ServerError,
    };

    private static string Snippet(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).Trim();
        return text.Length == 0 ? "(empty body)" : text;
    }

    private static string UnixSeconds(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Prometheus {Endpoint} failed ({Kind}): {Message}")]
    private static partial void LogFailed(ILogger logger, string endpoint, PrometheusErrorKind kind, string message);
}
