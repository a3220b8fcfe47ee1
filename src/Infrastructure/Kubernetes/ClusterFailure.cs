using System.Net;
using k8s.Autorest;

namespace Portal.Infrastructure.Kubernetes;

/// <summary>Whether a failed Kubernetes call is worth retrying, and what to tell the user about it.</summary>
public static class ClusterFailure
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        HttpOperationException http => IsTransient(http.Response.StatusCode),
        HttpRequestException => true,
        TaskCanceledException or TimeoutException => true,
        IOException => true,
        _ => false,
    };

    /// <summary>5xx, 429 and 409 (a stale read or a conflicting writer) are retried; 4xx validation and permission errors are not.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict or HttpStatusCode.RequestTimeout;

    public static bool IsNotFound(Exception exception) =>
        exception is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound };

    /// <summary>A one-line message with the API server's own reason (its Status message) when there is one.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        HttpOperationException http => $"{(int)http.Response.StatusCode} {http.Response.StatusCode}: {StatusMessage(http) ?? http.Message}",
        HttpRequestException request => $"cannot reach the Kubernetes API server: {request.Message}",
        TaskCanceledException or TimeoutException => "the Kubernetes API server did not answer in time",
        _ => exception.Message,
    };

    private static string? StatusMessage(HttpOperationException http)
    {
        var content = http.Response.Content;
        if (string.IsNullOrEmpty(content))
        {
            return null;
        }

        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(content);
            return doc.RootElement.TryGetProperty("message", out var message) ? message.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return content.Length > 300 ? content[..300] : content;
        }
    }
}
