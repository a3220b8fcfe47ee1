using System.Text.RegularExpressions;

namespace Portal.Domain.Engines;

public enum ModelIdFormat
{
    /// <summary>A Hugging Face repo id: <c>org/name</c>.</summary>
    HuggingFace,

    /// <summary>An Ollama model: <c>[host/][namespace/]name[:tag]</c>.</summary>
    Ollama,
}

public static partial class ModelIds
{
    public static bool IsValid(ModelIdFormat format, string id) => format switch
    {
        ModelIdFormat.HuggingFace => id.Length <= 193 && HuggingFaceId().IsMatch(id)
                                     && !id.Contains("--", StringComparison.Ordinal)
                                     && !id.Contains("..", StringComparison.Ordinal)
                                     && id.Split('/').All(part => part.Length <= 96),
        ModelIdFormat.Ollama => id.Length <= 350 && OllamaName().IsMatch(id),
        _ => false,
    };

    public static string Describe(ModelIdFormat format) => format switch
    {
        ModelIdFormat.HuggingFace =>
            "Model must be a Hugging Face repo id 'org/name' (letters, digits, '-', '_', '.'), for example Qwen/Qwen2.5-7B-Instruct.",
        ModelIdFormat.Ollama =>
            "Model must be an Ollama model 'name[:tag]' (letters, digits, '-', '_', '.'), for example qwen2.5:7b.",
        _ => "Unknown model id format.",
    };

    // huggingface_hub's validate_repo_id: word characters, '-' and '.', not starting or ending with '-' or '.'.
    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\z")]
    private static partial Regex HuggingFaceId();

    // ollama types/model/name.go: optional host and namespace, a model name and a tag of at most 80 characters.
    [GeneratedRegex(@"^(?:[A-Za-z0-9][A-Za-z0-9._:-]*/)?(?:[A-Za-z0-9][A-Za-z0-9._-]{0,79}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,79}(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,79})?\z")]
    private static partial Regex OllamaName();
}
