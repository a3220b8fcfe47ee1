using System.Text.Json;

namespace Portal.Gateway;

/// <summary>Errors in OpenAI's shape: <c>{"error": {"message", "type", "param", "code"}}</c> with the matching status.</summary>
public static class GatewayErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string RateLimit = "requests";
    public const string Server = "server_error";

    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? param = null, string? code = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        return WriteBodyAsync(response, message, type, param, code, context.RequestAborted);
    }

    private static async Task WriteBodyAsync(HttpResponse response, string message, string type, string? param, string? code, CancellationToken cancellationToken)
    {
        await using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", type);
            writer.WriteString("param", param);
            writer.WriteString("code", code);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        try
        {
            await response.BodyWriter.FlushAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The client went away; nobody is left to read the error.
        }
    }

    /// <summary>
    /// Ends a stream that has already begun with one Server-Sent Event carrying the error in the same shape
    /// (<c>data: {"error": {…}}</c>), as OpenAI's API reports an error inside a stream; OpenAI's SDKs raise it.
    /// </summary>
    public static async Task WriteStreamErrorAsync(HttpContext context, string message, string code)
    {
        using var buffer = new MemoryStream();
        buffer.Write("data: "u8);
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", Server);
            writer.WriteNull("param");
            writer.WriteString("code", code);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        buffer.Write("\n\n"u8);
        try
        {
            await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client went away meanwhile.
        }
    }

    public static Task MissingKeyAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status401Unauthorized,
        "You didn't provide an API key. Send it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY); create keys in the portal under Settings → API keys.",
        InvalidRequest);

    public static Task InvalidKeyAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status401Unauthorized,
        "Incorrect API key provided: the key is unknown or revoked. Create a key in the portal under Settings → API keys.",
        InvalidRequest, code: "invalid_api_key");

    public static Task ModelNotFoundAsync(HttpContext context, string model) => WriteAsync(context, StatusCodes.Status404NotFound,
        $"The model `{model}` does not exist or you do not have access to it.", InvalidRequest, "model", "model_not_found");
}
