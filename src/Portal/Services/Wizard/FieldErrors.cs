namespace Portal.Services.Wizard;

/// <summary>Validation messages keyed by the spec's camelCase JSON path, as the fields ask for them.</summary>
public sealed class FieldErrors
{
    private readonly IReadOnlyDictionary<string, string[]> _errors;

    public FieldErrors(IReadOnlyDictionary<string, string[]> errors) => _errors = errors;

    public static FieldErrors None { get; } = new(new Dictionary<string, string[]>());

    public int Count => _errors.Count;

    public bool IsEmpty => _errors.Count == 0;

    public IEnumerable<KeyValuePair<string, string[]>> All => _errors;

    public bool Has(string field) => _errors.ContainsKey(field);

    /// <summary>The messages of one field as one sentence, or null.</summary>
    public string? Text(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    /// <summary>Messages of fields under <paramref name="prefix"/> (<c>env</c> → <c>env.X</c>), and of the prefix itself.</summary>
    public IEnumerable<KeyValuePair<string, string[]>> Under(string prefix) =>
        _errors.Where(e => e.Key == prefix || e.Key.StartsWith(prefix + ".", StringComparison.Ordinal) || e.Key.StartsWith(prefix + "[", StringComparison.Ordinal));

    public FieldErrors For(WizardStep step) =>
        new(_errors.Where(e => WizardSteps.StepOf(e.Key) == step).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
}
