namespace Portal.Domain.Deployments;

/// <summary>
/// What a served model name (the <c>model</c> a client sends to the gateway) may be: 1–256 printable ASCII
/// characters without spaces or <c>%</c>, no <c>..</c> path segment and no leading <c>/</c> or <c>\</c>. Hugging Face repo ids
/// and Ollama names are all of this shape; the rule keeps look-alike names (full-width letters, right-to-left marks,
/// zero-width characters) and path-like names out of model lists, and lets the gateway refuse a name no deployment
/// could have with a 400 instead of looking it up.
/// </summary>
public static class ServedModelNames
{
    public const int MaxLength = 256;

    public const string Rule = "Served model name must be 1–256 printable ASCII characters without spaces or '%', with no '..' segment and not starting with '/' or '\\'.";

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name[0] is '/' or '\\')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is < '!' or > '~' or '%')
            {
                return false;
            }
        }

        return !name.Split('/', '\\').Any(segment => segment == "..");
    }
}
