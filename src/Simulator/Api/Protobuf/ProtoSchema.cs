namespace Portal.Simulator.Api.Protobuf;

/// <summary>How a protobuf field turns into JSON.</summary>
internal enum ProtoKind
{
    String,
    Bytes,
    Int64,
    Int32,
    Bool,
    Message,
    StringMap,
    BytesMap,
    Time,
}

/// <summary>One field of a message: its number, JSON name, kind, whether it repeats, and its message type.</summary>
internal sealed record ProtoField(int Number, string Name, ProtoKind Kind, bool Repeated = false, string? MessageType = null);

/// <summary>
/// The messages of the published generated.proto files that the built-in kinds kubectl sends as protobuf
/// need (k8s.io/api core/v1, k8s.io/apimachinery meta/v1 and runtime), by field number. A field a message
/// here leaves out is skipped, as any protobuf reader skips unknown fields.
/// </summary>
internal static class ProtoSchema
{
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<ProtoField>> Messages = new Dictionary<string, IReadOnlyList<ProtoField>>
    {
        // k8s.io/apimachinery/pkg/runtime/generated.proto
        ["runtime.Unknown"] = [new(1, "typeMeta", ProtoKind.Message, MessageType: "runtime.TypeMeta"), new(2, "raw", ProtoKind.Bytes), new(3, "contentEncoding", ProtoKind.String), new(4, "contentType", ProtoKind.String)],
        ["runtime.TypeMeta"] = [new(1, "apiVersion", ProtoKind.String), new(2, "kind", ProtoKind.String)],

        // k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
        ["meta.ObjectMeta"] =
        [
            new(1, "name", ProtoKind.String), new(2, "generateName", ProtoKind.String), new(3, "namespace", ProtoKind.String),
            new(4, "selfLink", ProtoKind.String), new(5, "uid", ProtoKind.String), new(6, "resourceVersion", ProtoKind.String),
            new(7, "generation", ProtoKind.Int64), new(8, "creationTimestamp", ProtoKind.Time), new(9, "deletionTimestamp", ProtoKind.Time),
            new(10, "deletionGracePeriodSeconds", ProtoKind.Int64), new(11, "labels", ProtoKind.StringMap), new(12, "annotations", ProtoKind.StringMap),
            new(13, "ownerReferences", ProtoKind.Message, Repeated: true, MessageType: "meta.OwnerReference"), new(14, "finalizers", ProtoKind.String, Repeated: true),
        ],
        ["meta.Time"] = [new(1, "seconds", ProtoKind.Int64), new(2, "nanos", ProtoKind.Int32)],
        ["meta.OwnerReference"] =
        [
            new(1, "kind", ProtoKind.String), new(3, "name", ProtoKind.String), new(4, "uid", ProtoKind.String), new(5, "apiVersion", ProtoKind.String),
            new(6, "controller", ProtoKind.Bool), new(7, "blockOwnerDeletion", ProtoKind.Bool),
        ],

        // k8s.io/api/core/v1/generated.proto
        ["v1.Namespace"] = [new(1, "metadata", ProtoKind.Message, MessageType: "meta.ObjectMeta"), new(2, "spec", ProtoKind.Message, MessageType: "v1.NamespaceSpec"), new(3, "status", ProtoKind.Message, MessageType: "v1.NamespaceStatus")],
        ["v1.NamespaceSpec"] = [new(1, "finalizers", ProtoKind.String, Repeated: true)],
        ["v1.NamespaceStatus"] = [new(1, "phase", ProtoKind.String)],
        ["v1.Secret"] =
        [
            new(1, "metadata", ProtoKind.Message, MessageType: "meta.ObjectMeta"), new(2, "data", ProtoKind.BytesMap), new(3, "type", ProtoKind.String),
            new(4, "stringData", ProtoKind.StringMap), new(5, "immutable", ProtoKind.Bool),
        ],
        ["v1.ConfigMap"] =
        [
            new(1, "metadata", ProtoKind.Message, MessageType: "meta.ObjectMeta"), new(2, "data", ProtoKind.StringMap), new(3, "binaryData", ProtoKind.BytesMap),
            new(4, "immutable", ProtoKind.Bool),
        ],
    };

    /// <summary>The message a kind's protobuf encoding is, by apiVersion and kind.</summary>
    public static string? MessageOf(string apiVersion, string kind) => (apiVersion, kind) switch
    {
        ("v1", "Namespace") => "v1.Namespace",
        ("v1", "Secret") => "v1.Secret",
        ("v1", "ConfigMap") => "v1.ConfigMap",
        _ => null,
    };
}
