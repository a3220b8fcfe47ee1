using System.Text.Json;
using Portal.Domain.Deployments;

namespace Portal.Api;

/// <summary>
/// Reads a request body as JSON with a size limit, turning every problem (too large, not JSON,
/// a wrong type in a field) into a field-level error the caller can act on.
/// </summary>
public static class SpecReader
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static async Task<(T? Value, Dictionary<string, string[]>? Errors)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return (null, TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return (null, new() { ["body"] = ["The request needs a JSON body."] });
        }

        try
        {
            buffer.Position = 0;
            var value = await JsonSerializer.DeserializeAsync<T>(buffer, PortalJson.Options, cancellationToken);
            return value is null ? (null, new() { ["body"] = ["The body must be a JSON object."] }) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, new() { [FieldOf(e.Path)] = [$"Not valid here: {Reason(e)}"] });
        }
    }

    /// <summary>"$.engine.tensorParallel" becomes "engine.tensorParallel", the key validation uses too.</summary>
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');

    private static string Reason(JsonException e) =>
        e.Message.Split(" Path:", 2)[0].Split(". LineNumber", 2)[0];

    private static Dictionary<string, string[]> TooLarge() =>
        new() { ["body"] = [$"The request body is larger than {MaxBodyBytes / 1024} KiB; a deployment spec is a few KiB."] };
}
