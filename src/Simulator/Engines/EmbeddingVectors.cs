using System.Text.Json.Nodes;

namespace Portal.Simulator.Engines;

/// <summary>
/// Deterministic embeddings: the same model and text always give the same unit-length vector, different texts
/// give different ones, so tests can compare them.
/// </summary>
internal static class EmbeddingVectors
{
    /// <summary>Vector width by the model's name: 384 for MiniLM / small models, 768 for base / nomic ones, else 1024 (an assumption).</summary>
    public static int DimensionsOf(string? model)
    {
        var name = (model ?? "").ToLowerInvariant();
        return name.Contains("minilm", StringComparison.Ordinal) || name.Contains("small", StringComparison.Ordinal) ? 384
            : name.Contains("base", StringComparison.Ordinal) || name.Contains("nomic", StringComparison.Ordinal) ? 768
            : 1024;
    }

    public static float[] For(string model, string text, int dimensions)
    {
        var random = new Random(StableHash(model + "\u0000" + text));
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return Normalise(vector);
    }

    public static float[] Normalise(float[] vector)
    {
        var norm = Math.Sqrt(vector.Sum(x => (double)x * x));
        return norm == 0 ? vector : vector.Select(x => (float)(x / norm)).ToArray();
    }

    /// <summary>OpenAI's <c>encoding_format: base64</c>: the little-endian float32 bytes, base64-encoded.</summary>
    public static JsonNode Encode(float[] vector, bool base64)
    {
        if (base64)
        {
            var bytes = new byte[vector.Length * sizeof(float)];
            Buffer.BlockCopy(vector, 0, bytes, 0, bytes.Length);
            return JsonValue.Create(Convert.ToBase64String(bytes));
        }

        return new JsonArray(vector.Select(x => (JsonNode)JsonValue.Create(x)).ToArray());
    }

    /// <summary>The texts of an embeddings request's <c>input</c>: one string or a list of strings; null when it is neither.</summary>
    public static List<string>? Inputs(JsonNode? input) => input switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) => [text],
        JsonArray items when items.All(i => i is JsonValue s && s.TryGetValue<string>(out _)) => items.Select(i => i!.GetValue<string>()).ToList(),
        _ => null,
    };

    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }
}
