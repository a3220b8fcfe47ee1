using System.Buffers;
using System.Text.Json;
using Portal.Domain.Deployments;

namespace Portal.Gateway;

/// <summary>
/// A request body read into a pooled buffer (so it can be sent again on a retry) and the two
/// fields the gateway needs from it: <c>model</c> and <c>stream</c>.
/// </summary>
internal sealed class GatewayRequestBody : IDisposable
{
    private byte[] _buffer;

    private GatewayRequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    public string? Model { get; private set; }

    public bool Stream { get; private set; }

    /// <summary>Why the body is not a usable request, or null.</summary>
    public string? Problem { get; private set; }

    public string? ProblemParam { get; private set; }

    /// <summary>A fresh read-only stream over the body, for the forwarder.</summary>
    public MemoryStream OpenRead() => new(_buffer, 0, Length, writable: false);

    /// <summary>Reads the whole body; null when it is larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<GatewayRequestBody?> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        if (declared > maxBytes)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)declared.Value : 16 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= maxBytes + 1)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return null;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return null;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        var body = new GatewayRequestBody(buffer, length);
        body.Parse();
        return body;
    }

    /// <summary>For callers inside the portal (the playground): the body is already in memory.</summary>
    public static GatewayRequestBody FromBytes(ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, bytes.Length));
        bytes.CopyTo(buffer);
        var body = new GatewayRequestBody(buffer, bytes.Length);
        body.Parse();
        return body;
    }

    private void Parse()
    {
        if (Length == 0)
        {
            Problem = "The request body is empty: send a JSON object (Content-Type: application/json).";
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(0, Length), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                Problem = "The request body must be a JSON object.";
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        Problem = "model must be a string.";
                        ProblemParam = "model";
                        return;
                    }

                    Model = reader.GetString();
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    Stream = reader.TokenType == JsonTokenType.True;
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                    {
                        Problem = "stream must be a boolean.";
                        ProblemParam = "stream";
                        return;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                Problem = "We could not parse the JSON body of your request: it must be one JSON object.";
                return;
            }
        }
        catch (JsonException e)
        {
            Problem = $"We could not parse the JSON body of your request ({e.Message}). Send a JSON object with Content-Type: application/json.";
            return;
        }
        catch (InvalidOperationException e)
        {
            // A string that is not valid UTF-8 or holds a lone surrogate escape (\uD800): the reader cannot decode it.
            Problem = $"We could not parse the JSON body of your request: {e.Message} Send UTF-8 JSON with Content-Type: application/json.";
            return;
        }

        if (string.IsNullOrEmpty(Model))
        {
            Problem = "You must provide a model parameter.";
            ProblemParam = "model";
        }
        else if (!ServedModelNames.IsValid(Model))
        {
            // No deployment can serve such a name (the spec validator holds served names to the same rule).
            Problem = $"The model parameter is not a valid model name. {ServedModelNames.Rule}";
            ProblemParam = "model";
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
