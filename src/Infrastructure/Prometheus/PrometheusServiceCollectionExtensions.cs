using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Telemetry;
using Polly.Timeout;
using Portal.Application.Ports;

namespace Portal.Infrastructure.Prometheus;

public static class PrometheusServiceCollectionExtensions
{
    /// <summary>
    /// The typed <see cref="PrometheusClient"/> with options from <c>Prometheus</c> (validated at start-up) and the
    /// standard resilience handler: one attempt may take <see cref="PrometheusOptions.Timeout"/>; connection errors and
    /// 5xx answers are retried <see cref="PrometheusOptions.Retries"/> times with a short backoff, a timed-out attempt is
    /// not (a slow Prometheus does not get faster by being asked again).
    /// </summary>
    public static IServiceCollection AddPrometheusClient(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PrometheusOptions>()
            .Bind(configuration.GetSection(PrometheusOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton<PrometheusQueryMetrics>();
        services.AddHttpClient<PrometheusClient>((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<PrometheusOptions>>().Value;
                if (options.Url is { } url)
                {
                    // A trailing slash keeps a path prefix (http://host/prometheus/) when relative paths are appended.
                    http.BaseAddress = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
                }

                // The resilience handler bounds each attempt and the whole call.
                http.Timeout = Timeout.InfiniteTimeSpan;
                if (!string.IsNullOrEmpty(options.BearerToken))
                {
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.BearerToken);
                }
                else if (!string.IsNullOrEmpty(options.Username))
                {
                    var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}"));
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", basic);
                }
            })
            .AddStandardResilienceHandler()
            .Configure((resilience, provider) =>
            {
                var options = provider.GetRequiredService<IOptions<PrometheusOptions>>().Value;
                resilience.AttemptTimeout.Timeout = options.Timeout;
                resilience.TotalRequestTimeout.Timeout = options.Timeout * (options.Retries + 1) + TimeSpan.FromSeconds(2);
                resilience.Retry.MaxRetryAttempts = Math.Max(1, options.Retries);
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
                resilience.Retry.BackoffType = DelayBackoffType.Exponential;
                resilience.Retry.ShouldHandle = args => ValueTask.FromResult(
                    options.Retries > 0 &&
                    args.Outcome.Exception is not TimeoutRejectedException &&
                    HttpClientResiliencePredicates.IsTransient(args.Outcome));
                var minimumSampling = options.Timeout * 2;
                if (resilience.CircuitBreaker.SamplingDuration < minimumSampling)
                {
                    resilience.CircuitBreaker.SamplingDuration = minimumSampling;
                }
            });
        services.AddTransient<IPrometheus>(provider => provider.GetRequiredService<PrometheusClient>());
        // A down Prometheus fails every query of every open dashboard; the client returns that as a typed error and the
        // dashboard logs it once, so the resilience events of this pipeline (a stack trace per retry) go to Debug.
        services.Configure<TelemetryOptions>(telemetry =>
        {
            var previous = telemetry.SeverityProvider;
            telemetry.SeverityProvider = args =>
                args.Source.PipelineName?.StartsWith(nameof(PrometheusClient), StringComparison.Ordinal) == true
                    ? ResilienceEventSeverity.Debug
                    : previous?.Invoke(args) ?? args.Event.Severity;
        });
        return services;
    }
}
