using System.Text.Json.Nodes;
using Google.Protobuf;

namespace Portal.Simulator.Api.Protobuf;

/// <summary>
/// Reads a body sent as <c>application/vnd.kubernetes.protobuf</c>: the 4-byte magic <c>k8s\0</c>, then a
/// runtime.Unknown whose typeMeta names the kind and whose raw bytes are the object's message, decoded
/// field by field with Google.Protobuf's reader into the JSON tree the rest of the server works on.
/// </summary>
internal static class ProtobufObjects
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length < Magic.Length || !body[..Magic.Length].SequenceEqual(Magic))
        {
            throw ApiException.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }

        var unknown = ReadMessage(body[Magic.Length..].ToArray(), "runtime.Unknown");
        var apiVersion = (string?)unknown["typeMeta"]?["apiVersion"] ?? "";
        var kind = (string?)unknown["typeMeta"]?["kind"] ?? "";
        var message = ProtoSchema.MessageOf(apiVersion, kind)
            ?? throw new ApiException(415, "UnsupportedMediaType", $"the protobuf encoding of {apiVersion}, Kind={kind} is not served here; send JSON");
        var raw = unknown["raw"] is JsonValue value && value.TryGetValue<string>(out var base64) ? Convert.FromBase64String(base64) : [];
        var obj = ReadMessage(raw, message);
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private static JsonObject ReadMessage(byte[] bytes, string messageType)
    {
        var fields = ProtoSchema.Messages[messageType].ToDictionary(f => f.Number);
        var obj = new JsonObject();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (!fields.TryGetValue(WireFormat.GetTagFieldNumber(tag), out var field))
            {
                input.SkipLastField();
                continue;
            }

            var value = ReadValue(input, field);
            if (field.Kind is ProtoKind.StringMap or ProtoKind.BytesMap)
            {
                var map = obj[field.Name] as JsonObject ?? new JsonObject();
                obj[field.Name] = map;
                var entry = (JsonObject)value!;
                map[(string?)entry["key"] ?? ""] = entry["value"]?.DeepClone() ?? (field.Kind == ProtoKind.BytesMap ? "" : "");
            }
            else if (field.Repeated)
            {
                var list = obj[field.Name] as JsonArray ?? [];
                obj[field.Name] = list;
                list.Add(value);
            }
            else
            {
                obj[field.Name] = value;
            }
        }

        return obj;
    }

    private static JsonNode? ReadValue(CodedInputStream input, ProtoField field) => field.Kind switch
    {
        ProtoKind.String => input.ReadString(),
        ProtoKind.Bytes => Convert.ToBase64String(input.ReadBytes().ToByteArray()),
        ProtoKind.Int64 => input.ReadInt64(),
        ProtoKind.Int32 => input.ReadInt32(),
        ProtoKind.Bool => input.ReadBool(),
        ProtoKind.Message => ReadMessage(input.ReadBytes().ToByteArray(), field.MessageType!),
        ProtoKind.Time => Time(ReadMessage(input.ReadBytes().ToByteArray(), "meta.Time")),
        ProtoKind.StringMap => MapEntry(input.ReadBytes().ToByteArray(), bytesValue: false),
        ProtoKind.BytesMap => MapEntry(input.ReadBytes().ToByteArray(), bytesValue: true),
        _ => throw new InvalidOperationException($"unknown field kind {field.Kind}"),
    };

    /// <summary>A map entry is a message with the key as field 1 and the value as field 2; bytes become base64, as in JSON.</summary>
    private static JsonObject MapEntry(byte[] bytes, bool bytesValue)
    {
        var input = new CodedInputStream(bytes);
        var entry = new JsonObject();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    entry["key"] = input.ReadString();
                    break;
                case 2:
                    entry["value"] = bytesValue ? Convert.ToBase64String(input.ReadBytes().ToByteArray()) : input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return entry;
    }

    private static JsonNode? Time(JsonObject time) =>
        Timestamps.Format(DateTimeOffset.FromUnixTimeSeconds((long?)time["seconds"] ?? 0));
}
