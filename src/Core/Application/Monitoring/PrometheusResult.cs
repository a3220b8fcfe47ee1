using System.Diagnostics.CodeAnalysis;

namespace Portal.Application.Monitoring;

/// <summary>Why a Prometheus call gave no data.</summary>
public enum PrometheusErrorKind
{
    /// <summary>No <c>Prometheus:Url</c> is set.</summary>
    NotConfigured,

    /// <summary>No connection: refused, DNS, reset, or requests paused after repeated failures.</summary>
    Unreachable,

    /// <summary>No answer in time, or Prometheus itself timed the query out.</summary>
    Timeout,

    /// <summary>Prometheus rejected the query or its parameters (<c>bad_data</c>, HTTP 400).</summary>
    BadQuery,

    /// <summary>The query was valid but failed while running (<c>execution</c>, HTTP 422).</summary>
    QueryFailed,

    /// <summary>HTTP 401 or 403: credentials missing or wrong.</summary>
    Unauthorized,

    /// <summary>Any other failing HTTP status.</summary>
    ServerError,

    /// <summary>The answer was not the Prometheus API JSON the client expects.</summary>
    InvalidResponse,
}

/// <summary>A failed Prometheus call: what kind of failure, Prometheus's own error type when it sent one, and the message.</summary>
public sealed record PrometheusError(PrometheusErrorKind Kind, string Message, string? ErrorType = null, int? StatusCode = null)
{
    /// <summary>True when the server could not be reached or did not answer (as opposed to rejecting a query).</summary>
    public bool IsConnectivity => Kind is PrometheusErrorKind.Unreachable or PrometheusErrorKind.Timeout or PrometheusErrorKind.NotConfigured;

    public override string ToString() => ErrorType is null ? $"{Kind}: {Message}" : $"{Kind} ({ErrorType}): {Message}";
}

/// <summary>The value of a Prometheus call or the reason there is none; never an exception.</summary>
public sealed class PrometheusResult<T>
{
    private PrometheusResult(T? value, PrometheusError? error, IReadOnlyList<string> warnings)
    {
        Value = value;
        Error = error;
        Warnings = warnings;
    }

    public T? Value { get; }

    public PrometheusError? Error { get; }

    /// <summary>Warnings Prometheus attached to a successful answer.</summary>
    public IReadOnlyList<string> Warnings { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public static PrometheusResult<T> Success(T value, IReadOnlyList<string>? warnings = null) => new(value, null, warnings ?? []);

    public static PrometheusResult<T> Failure(PrometheusError error) => new(default, error, []);

    public override string ToString() => IsSuccess ? $"Success({Value})" : $"Failure({Error})";
}
